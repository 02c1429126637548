package io.graphmailer.adapter.out.jobs;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsServer;
import io.graphmailer.application.port.out.RecipientRowSource.RowSet;
import io.graphmailer.application.port.out.RecipientRowSource.SourceException;
import io.graphmailer.domain.job.DataSource;
import io.graphmailer.standin.StandinPki;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The data source against a real local HTTPS server (the stand-ins' test CA, trusted by the test JVM). */
class HttpsRowSourceTest {
    private HttpsServer server;
    private final Map<String, Handler> routes = new ConcurrentHashMap<>();
    private final List<String> authorizations = new CopyOnWriteArrayList<>();

    interface Handler {
        void handle(HttpExchange exchange) throws IOException;
    }

    @BeforeEach
    void start() throws IOException {
        server = HttpsServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.setHttpsConfigurator(new HttpsConfigurator(StandinPki.shared().serverSslContext()));
        server.setExecutor(Executors.newFixedThreadPool(4));
        server.createContext("/", exchange -> {
            String auth = exchange.getRequestHeaders().getFirst("Authorization");
            authorizations.add(auth == null ? "" : auth);
            Handler h = routes.get(exchange.getRequestURI().getPath());
            try (exchange) {
                if (h == null) {
                    exchange.sendResponseHeaders(404, -1);
                } else {
                    h.handle(exchange);
                }
            }
        });
        server.start();
    }

    @AfterEach
    void stop() {
        server.stop(0);
    }

    private String url(String path) {
        return "https://localhost:" + server.getAddress().getPort() + path;
    }

    private void json(String path, int status, String body) {
        routes.put(path, ex -> {
            byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
            ex.getResponseHeaders().add("Content-Type", "application/json");
            ex.sendResponseHeaders(status, bytes.length);
            ex.getResponseBody().write(bytes);
        });
    }

    private DataSource source(String path, Duration timeout) {
        return new DataSource(url(path), DataSource.Auth.NONE, null, timeout, "email", "name");
    }

    private final HttpsRowSource rows = new HttpsRowSource(HttpsRowSource.defaultClient(), scope -> "token-for-" + scope, 50_000);

    @Test
    void givenAJsonArrayOfObjects_thenRowsAreHandedOutAndCanBeStreamedAgain() {
        json("/rows", 200, "[{\"email\":\"a@fabrikam.example\",\"name\":\"A\",\"tags\":[\"x\"]},{\"email\":\"b@fabrikam.example\",\"n\":2}]");

        try (RowSet set = rows.open(source("/rows", Duration.ofSeconds(5)))) {
            assertThat(set.count()).isEqualTo(2);
            List<Map<String, Object>> first = new ArrayList<>();
            set.forEach(first::add);
            List<Map<String, Object>> second = new ArrayList<>();
            set.forEach(second::add);
            assertThat(first).isEqualTo(second);
            assertThat(first.get(0)).containsEntry("email", "a@fabrikam.example").containsEntry("tags", List.of("x"));
            assertThat(first.get(1)).containsEntry("n", 2);
        }
        assertThat(authorizations).containsExactly("");
    }

    @Test
    void givenHttp500_thenTheSourceFailsSayingSo() {
        json("/down", 500, "{\"error\":\"secret internal detail\"}");
        assertThatThrownBy(() -> rows.open(source("/down", Duration.ofSeconds(5))))
                .isInstanceOf(SourceException.class)
                .hasMessageEndingWith("/down answered HTTP 500")
                .hasMessageNotContaining("secret");
    }

    @Test
    void givenMalformedJson_thenTheSourceFailsNamingWhere() {
        json("/bad", 200, "[{\"email\":\"a@fabrikam.example\"},\n{\"email\": oops}]");
        assertThatThrownBy(() -> rows.open(source("/bad", Duration.ofSeconds(5))))
                .isInstanceOf(SourceException.class)
                .hasMessageContaining("malformed JSON after 1 row(s) (line 2");
    }

    @Test
    void givenATruncatedArray_thenTheSourceFails() {
        json("/cut", 200, "[{\"email\":\"a@fabrikam.example\"},");
        assertThatThrownBy(() -> rows.open(source("/cut", Duration.ofSeconds(5)))).isInstanceOf(SourceException.class)
                .hasMessageContaining("after 1 row(s)");
    }

    @Test
    void givenNotAnArrayOrNotObjects_thenTheSourceFails() {
        json("/object", 200, "{\"rows\":[]}");
        json("/strings", 200, "[\"a@fabrikam.example\"]");
        assertThatThrownBy(() -> rows.open(source("/object", Duration.ofSeconds(5)))).hasMessageContaining("did not return a JSON array");
        assertThatThrownBy(() -> rows.open(source("/strings", Duration.ofSeconds(5)))).hasMessageContaining("row 0 is not a JSON object");
    }

    @Test
    void givenASlowSource_thenItFailsAfterTheTimeoutEvenWhenHeadersCameQuickly() {
        routes.put("/slow", ex -> {
            ex.sendResponseHeaders(200, 0);
            OutputStream out = ex.getResponseBody();
            out.write("[{\"email\":\"a@fabrikam.example\"}".getBytes(StandardCharsets.UTF_8));
            out.flush();
            try {
                Thread.sleep(3_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        assertThatThrownBy(() -> rows.open(source("/slow", Duration.ofMillis(500))))
                .isInstanceOf(SourceException.class)
                .hasMessageContaining("did not answer completely within PT0.5S");
    }

    @Test
    void givenManagedIdentity_thenTheTokenForTheScopeIsSentAndNeverInErrors() {
        json("/secured", 403, "{}");
        DataSource secured = new DataSource(url("/secured"), DataSource.Auth.MANAGED_IDENTITY, "api://feed/.default", Duration.ofSeconds(5), "email", null);
        assertThatThrownBy(() -> rows.open(secured)).hasMessageEndingWith("answered HTTP 403").hasMessageNotContaining("token-for");
        assertThat(authorizations).containsExactly("Bearer token-for-api://feed/.default");
    }

    @Test
    void givenTooManyRows_thenTheSourceFails() {
        json("/many", 200, "[{},{},{}]");
        HttpsRowSource limited = new HttpsRowSource(HttpsRowSource.defaultClient(), s -> "t", 2);
        assertThatThrownBy(() -> limited.open(source("/many", Duration.ofSeconds(5)))).hasMessageContaining("more than 2 rows");
    }

    @Test
    void given10000LargeRows_thenTheyAreStreamedInBoundedHeap() {
        String padding = "x".repeat(2_000);
        routes.put("/big", ex -> {
            ex.sendResponseHeaders(200, 0); // chunked: the server never holds the array either
            OutputStream out = ex.getResponseBody();
            out.write('[');
            for (int i = 0; i < 10_000; i++) {
                out.write(((i == 0 ? "" : ",") + "{\"email\":\"p" + i + "@fabrikam.example\",\"pad\":\"" + padding + "\"}").getBytes(StandardCharsets.US_ASCII));
            }
            out.write(']');
        });

        try (RowSet set = rows.open(source("/big", Duration.ofSeconds(30)))) {
            assertThat(set.count()).isEqualTo(10_000);
            long before = usedHeapAfterGc();
            long peakDelta = 0;
            int seen = 0;
            for (Iterator<Map<String, Object>> it = set.iterator(); it.hasNext(); ) {
                Map<String, Object> row = it.next();
                assertThat(row.get("email")).isEqualTo("p" + seen + "@fabrikam.example");
                seen++;
                if (seen % 2_500 == 0) {
                    peakDelta = Math.max(peakDelta, usedHeapAfterGc() - before);
                }
            }
            assertThat(seen).isEqualTo(10_000);
            // All rows together are over 20 MB of text; a streamed row set keeps about one of them.
            assertThat(peakDelta).isLessThan(8L * 1024 * 1024);
        }
    }

    private static long usedHeapAfterGc() {
        Runtime rt = Runtime.getRuntime();
        for (int i = 0; i < 3; i++) {
            System.gc();
        }
        return rt.totalMemory() - rt.freeMemory();
    }
}
