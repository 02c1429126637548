package io.graphmailer.adapter.out.storage;

import com.sun.net.httpserver.HttpServer;
import io.graphmailer.domain.AttachmentReference;
import io.graphmailer.domain.BlobAllowlist;
import io.graphmailer.domain.MailTransportException;
import io.graphmailer.support.Azurite;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * What the blob client actually asks storage for. A reference with encoded dot segments must never reach storage (a
 * front end that decodes them would leave the allowed container); an allowed one is asked for in its re-encoded form.
 */
class BlobReferencePathTest {
    private HttpServer storage;
    private final List<String> paths = new CopyOnWriteArrayList<>();
    private String base;
    private BlobAttachmentSource source;

    @BeforeEach
    void start() throws Exception {
        storage = HttpServer.create(new InetSocketAddress(InetAddress.getByName("127.0.0.1"), 0), 0);
        storage.createContext("/", exchange -> {
            paths.add(exchange.getRequestURI().getRawPath());
            exchange.sendResponseHeaders(404, -1);
            exchange.close();
        });
        storage.start();
        String account = "http://127.0.0.1:" + storage.getAddress().getPort() + "/" + Azurite.ACCOUNT;
        base = account + "/mail-attachments/";
        String cs = "DefaultEndpointsProtocol=http;AccountName=" + Azurite.ACCOUNT + ";AccountKey=" + Azurite.KEY + ";BlobEndpoint=" + account;
        source = BlobSources.withConnectionString(new BlobAllowlist(List.of(base)), cs, 4 * 1024 * 1024);
    }

    @AfterEach
    void stop() {
        storage.stop(0);
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"%2e%2e/secrets/secret.txt", ".%2e/secrets/secret.txt", "%2e./secrets/secret.txt",
            "%2E%2E%2Fsecrets%2Fsecret.txt", "..%5csecrets%5csecret.txt", "%c0%ae%c0%ae/secrets/secret.txt"})
    void givenEncodedDotSegmentsInAReference_thenStorageIsNeverAsked(String tail) {
        AttachmentReference ref = AttachmentReference.unresolved(URI.create(base + tail));
        assertThatThrownBy(() -> source.size(ref)).isInstanceOfSatisfying(MailTransportException.class,
                e -> assertThat(e.code()).isEqualTo("AttachmentLocationNotAllowed"));
        assertThatThrownBy(() -> source.open(ref.withSize(1))).isInstanceOf(MailTransportException.class);
        assertThat(paths).isEmpty();
    }

    @Test
    void givenAnAllowedReference_thenStorageIsAskedForItsReEncodedForm() {
        source.size(AttachmentReference.unresolved(URI.create(base + "%41%20b+c.pdf")));
        source.size(AttachmentReference.unresolved(URI.create(base + "%252e%252e/x.pdf")));
        // The SDK re-encodes the blob name its own way ('+' bare, '/' as %2F); decoded once, each stays in the container.
        String container = "/" + Azurite.ACCOUNT + "/mail-attachments/";
        assertThat(paths).hasSize(2).allSatisfy(p -> {
            String decoded = java.net.URLDecoder.decode(p.replace("+", "%2B"), java.nio.charset.StandardCharsets.UTF_8);
            assertThat(decoded).startsWith(container).doesNotContain("/../", "/./", "\\");
        });
        assertThat(java.net.URLDecoder.decode(paths.get(0).replace("+", "%2B"), java.nio.charset.StandardCharsets.UTF_8))
                .isEqualTo(container + "A b+c.pdf");
        assertThat(java.net.URLDecoder.decode(paths.get(1), java.nio.charset.StandardCharsets.UTF_8))
                .isEqualTo(container + "%2e%2e/x.pdf");
    }
}
