package io.graphmailer.adapter.out.jobs;

import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsServer;
import io.graphmailer.application.port.out.RecipientRowSource.SourceException;
import io.graphmailer.standin.StandinPki;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.http.HttpClient;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Job definitions from a blob: a local HTTPS server answering as Blob Storage does to OAuth reads. */
class LocationReaderTest {
    private static final String JOBS = "{\"jobs\":[]}";
    private HttpsServer server;

    @BeforeEach
    void start() throws IOException {
        server = HttpsServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.setHttpsConfigurator(new HttpsConfigurator(StandinPki.shared().serverSslContext()));
        server.createContext("/jobs/definitions.json", exchange -> {
            String auth = exchange.getRequestHeaders().getFirst("Authorization");
            String version = exchange.getRequestHeaders().getFirst("x-ms-version");
            byte[] body;
            int status;
            if (!"Bearer storage-token".equals(auth)) {
                status = 404; // Blob Storage hides private blobs from anonymous readers
                body = "<Error><Code>ResourceNotFound</Code></Error>".getBytes(StandardCharsets.UTF_8);
            } else if (version == null || version.compareTo("2017-11-09") < 0) {
                status = 400; // bearer tokens need x-ms-version 2017-11-09 or later
                body = "<Error><Code>AuthenticationFailed</Code></Error>".getBytes(StandardCharsets.UTF_8);
            } else {
                status = 200;
                body = JOBS.getBytes(StandardCharsets.UTF_8);
            }
            exchange.sendResponseHeaders(status, body.length);
            exchange.getResponseBody().write(body);
            exchange.close();
        });
        server.start();
    }

    @AfterEach
    void stop() {
        server.stop(0);
    }

    private String url() {
        return "https://localhost:" + server.getAddress().getPort() + "/jobs/definitions.json";
    }

    @Test
    void givenABlobAndAScope_thenReadWithTheManagedIdentitysBearerToken() {
        LocationReader reader = new LocationReader(HttpClient.newHttpClient(), Duration.ofSeconds(5), 10_000);
        String text = reader.readText(url(), "https://storage.azure.com/.default",
                scope -> scope.equals("https://storage.azure.com/.default") ? "storage-token" : "wrong");
        assertThat(text).isEqualTo(JOBS);
    }

    @Test
    void givenAPrivateBlobWithoutAScope_thenTheFailureNamesTheLocation() {
        LocationReader reader = new LocationReader(HttpClient.newHttpClient(), Duration.ofSeconds(5), 10_000);
        assertThatThrownBy(() -> reader.readText(url())).isInstanceOf(SourceException.class)
                .hasMessageContaining(url()).hasMessageContaining("HTTP 404");
    }
}
