package io.graphmailer.adapter.out.storage;

import com.sun.net.httpserver.HttpServer;
import io.graphmailer.domain.AttachmentReference;
import io.graphmailer.domain.BlobAllowlist;
import io.graphmailer.domain.MailTransportException;
import io.graphmailer.support.Azurite;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * An allowed blob URL whose server answers with a redirect elsewhere (another container, another host) must not be
 * followed: the blob client asks the allowed URL only, and the redirect target never sees a request.
 */
class BlobRedirectTest {
    private HttpServer allowed;
    private HttpServer elsewhere;
    private final AtomicInteger elsewhereHits = new AtomicInteger();
    private final AtomicInteger allowedHits = new AtomicInteger();

    @BeforeEach
    void start() throws Exception {
        InetAddress loopback = InetAddress.getByName("127.0.0.1");
        elsewhere = HttpServer.create(new InetSocketAddress(loopback, 0), 0);
        elsewhere.createContext("/", exchange -> {
            elsewhereHits.incrementAndGet();
            exchange.getResponseHeaders().add("Content-Length", "4");
            exchange.sendResponseHeaders(200, -1);
            exchange.close();
        });
        elsewhere.start();
        allowed = HttpServer.create(new InetSocketAddress(loopback, 0), 0);
        allowed.start();
    }

    @AfterEach
    void stop() {
        allowed.stop(0);
        elsewhere.stop(0);
    }

    @ParameterizedTest(name = "redirect {0}")
    @ValueSource(ints = {301, 302, 303, 307, 308})
    void givenAnAllowedBlobAnsweringWithARedirect_thenNotFollowedAndNothingRead(int status) {
        String target = "http://127.0.0.1:" + elsewhere.getAddress().getPort() + "/devstoreaccount1/secrets/secret.txt";
        allowed.createContext("/", exchange -> {
            allowedHits.incrementAndGet();
            exchange.getResponseHeaders().add("Location", target);
            exchange.sendResponseHeaders(status, -1);
            exchange.close();
        });
        String base = "http://127.0.0.1:" + allowed.getAddress().getPort() + "/devstoreaccount1/mail-attachments/";
        String cs = "DefaultEndpointsProtocol=http;AccountName=" + Azurite.ACCOUNT + ";AccountKey=" + Azurite.KEY
                + ";BlobEndpoint=http://127.0.0.1:" + allowed.getAddress().getPort() + "/" + Azurite.ACCOUNT;
        BlobAttachmentSource source = BlobSources.withConnectionString(new BlobAllowlist(List.of(base)), cs, 4 * 1024 * 1024);
        AttachmentReference ref = AttachmentReference.unresolved(URI.create(base + "report.pdf"));

        assertThatThrownBy(() -> source.size(ref)).isInstanceOf(MailTransportException.class);
        assertThatThrownBy(() -> source.open(ref.withSize(4))).isInstanceOf(MailTransportException.class);
        assertThat(allowedHits.get()).as("the allowed URL was asked").isPositive();
        assertThat(elsewhereHits.get()).as("the redirect target was never asked").isZero();
    }
}
