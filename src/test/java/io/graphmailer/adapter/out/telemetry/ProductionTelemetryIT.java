package io.graphmailer.adapter.out.telemetry;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.graphmailer.standin.GraphStandin;
import io.graphmailer.standin.IdentityPlatformStandin;
import io.graphmailer.standin.IngestionStandin;
import io.graphmailer.standin.Standins;
import io.graphmailer.support.SendMailBodies;
import io.graphmailer.support.TestTokens;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The packaged app (target/quarkus-app) as production runs it: the prod profile's JSON console logs and, with
 * APPLICATIONINSIGHTS_CONNECTION_STRING in its environment, export to the ingestion stand-in. One app process: a send
 * with a secret-looking body and token, a send that fails with a configuration fault (it logs), then a stop, after
 * which the telemetry of both has been flushed to the stand-in.
 */
class ProductionTelemetryIT {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String BODY_SECRET = "body-secret-8f3a2c91-must-not-leak";
    private static final String TOKEN_SECRET = "token-secret-4d7e10b6";
    private static final String UNSCOPED = "ceo@contoso.test";
    private static final String INVOCATION_SENT = "5a0c7a8e-3333-4c1e-9d55-000000000001";
    private static final String INVOCATION_FAILED = "5a0c7a8e-3333-4c1e-9d55-000000000002";
    private static final Path LOG = Path.of("target", "production-telemetry-it.log");

    private static Standins standins;
    private static IngestionStandin ingestion;
    private static Process app;
    private static String token;
    private static String sentTrackingId;
    private static int failedStatus;
    private static List<String> lines;

    @BeforeAll
    static void runTheApp() throws Exception {
        standins = Standins.shared();
        standins.reset();
        standins.identity().grantRoles(Standins.CLIENT_ID, IdentityPlatformStandin.GRAPH_RESOURCE, Set.of(GraphStandin.MAIL_SEND));
        standins.graph().addMailbox(UNSCOPED);
        standins.graph().restrictApp(Standins.CLIENT_ID, Set.of(standins.mailbox()));
        ingestion = new IngestionStandin(standins.identity());
        ingestion.start();

        int port;
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
            port = socket.getLocalPort();
        }
        Map<String, String> env = new HashMap<>();
        // Not behind the Functions host (no FUNCTIONS_CUSTOMHANDLER_PORT), so the queue function's storage is not required.
        env.put("QUARKUS_HTTP_PORT", Integer.toString(port));
        env.put("GRAPH_MAILER_CALLER_AUTH_MODE", "entra");
        env.put("GRAPH_MAILER_CALLER_AUTH_JWKS_URL", Path.of("src/test/resources/test-caller-jwks.json").toAbsolutePath().toString());
        env.put("GRAPH_MAILER_CALLER_AUTH_ISSUER", TestTokens.ISSUER);
        env.put("GRAPH_MAILER_CALLER_AUTH_AUDIENCE", TestTokens.AUDIENCE);
        env.put("GRAPH_MAILER_CALLER_AUTH_TENANT_ID", TestTokens.TENANT);
        env.putAll(standins.appSettings());
        env.put("GRAPH_MAILER_ALLOWED_SENDERS", standins.mailbox() + "," + UNSCOPED);
        env.put("GRAPH_MAILER_WARM_UP", "false");
        env.put("APPLICATIONINSIGHTS_CONNECTION_STRING", ingestion.connectionString());
        env.put("QUARKUS_OTEL_BSP_SCHEDULE_DELAY", "200ms");
        env.put("QUARKUS_OTEL_METRIC_EXPORT_INTERVAL", "2s");
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        ProcessBuilder pb = new ProcessBuilder(List.of(java, "-Xmx256m",
                "-Djavax.net.ssl.trustStore=" + standins.truststore().toAbsolutePath(),
                "-Djavax.net.ssl.trustStorePassword=changeit", "-Djavax.net.ssl.trustStoreType=PKCS12",
                "-Djdk.net.hosts.file=" + Standins.hostsFile().toAbsolutePath(),
                "-jar", Path.of("target", "quarkus-app", "quarkus-run.jar").toAbsolutePath().toString()));
        pb.environment().keySet().removeIf(k -> k.startsWith("AZURE_") || k.startsWith("GRAPH_MAILER_") || k.startsWith("QUARKUS_")
                || k.startsWith("APPLICATIONINSIGHTS_"));
        pb.environment().putAll(env);
        Files.deleteIfExists(LOG);
        pb.redirectErrorStream(true).redirectOutput(LOG.toFile());
        app = pb.start();
        try {
            HttpClient http = HttpClient.newHttpClient();
            awaitReady(http, port);
            // A caller token that carries a secret-looking claim: neither the token nor the claim may show up anywhere.
            token = TestTokens.sign(TestTokens.builder(TestTokens.ISSUER, TestTokens.AUDIENCE, List.of(TestTokens.ROLE),
                    Instant.now().plusSeconds(3600)).claim("note", TOKEN_SECRET));
            String body = SendMailBodies.minimal().replace("\"content\":\"", "\"content\":\"" + BODY_SECRET + " ");
            HttpResponse<String> sent = send(http, port, standins.mailbox(), body, INVOCATION_SENT);
            assertThat(sent.statusCode()).as(sent.body()).isEqualTo(202);
            sentTrackingId = JSON.readTree(sent.body()).path("trackingId").asText();
            failedStatus = send(http, port, UNSCOPED, body, INVOCATION_FAILED).statusCode();
        } finally {
            // A graceful stop (SIGTERM), as the platform stops an instance: the SDK flushes on shutdown.
            app.destroy();
            if (!app.waitFor(30, TimeUnit.SECONDS)) {
                app.destroyForcibly();
            }
        }
        lines = Files.readAllLines(LOG).stream().filter(l -> !l.isBlank()).toList();
    }

    @AfterAll
    static void stop() {
        if (app != null && app.isAlive()) {
            app.destroyForcibly();
        }
        if (ingestion != null) {
            ingestion.stop();
        }
    }

    private static HttpResponse<String> send(HttpClient http, int port, String mailbox, String body, String invocationId)
            throws IOException, InterruptedException {
        return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/api/users/" + mailbox + "/sendMail"))
                .header("Content-Type", "application/json").header("Authorization", "Bearer " + token)
                .header("X-Azure-Functions-InvocationId", invocationId)
                .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
    }

    private static void awaitReady(HttpClient http, int port) throws Exception {
        Instant deadline = Instant.now().plus(Duration.ofSeconds(90));
        while (Instant.now().isBefore(deadline)) {
            if (!app.isAlive()) {
                throw new IllegalStateException("the app exited:\n" + Files.readString(LOG));
            }
            try {
                http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/q/health/live")).build(),
                        HttpResponse.BodyHandlers.discarding());
                return;
            } catch (IOException notYet) {
                Thread.sleep(200);
            }
        }
        throw new IllegalStateException("the app did not start:\n" + Files.readString(LOG));
    }

    private static List<JsonNode> jsonLines() throws IOException {
        List<JsonNode> parsed = new ArrayList<>();
        for (String line : lines) {
            parsed.add(JSON.readTree(line));
        }
        return parsed;
    }

    @Test
    void givenTheProdProfile_thenEveryLogLineIsJsonAndTheRequestsLinesCarryTheirInvocationIdTraceIdAndTrackingId() throws Exception {
        assertThat(lines).isNotEmpty();
        assertThat(lines).allSatisfy(l -> assertThat(JSON.readTree(l).isObject()).as(l).isTrue());
        List<JsonNode> logs = jsonLines();
        assertThat(logs).allSatisfy(l -> assertThat(l.path("level").asText()).isNotEmpty());

        // The accepted send logs one line, inside its request: the invocation id and the trace in the log context.
        JsonNode accepted = logs.stream().filter(l -> l.path("message").asText().contains(sentTrackingId)).findFirst().orElseThrow();
        assertThat(accepted.path("mdc").path("invocationId").asText()).isEqualTo(INVOCATION_SENT);
        assertThat(accepted.path("mdc").path("traceId").asText()).hasSize(32);
        assertThat(accepted.path("mdc").path("trackingId").asText()).as("the tracking id as a field of its own").isEqualTo(sentTrackingId);
        // The configuration fault is logged inside the failed request, with its invocation id.
        assertThat(failedStatus).isEqualTo(500);
        assertThat(logs).anySatisfy(l -> {
            assertThat(l.path("message").asText()).contains("configuration fault");
            assertThat(l.path("mdc").path("invocationId").asText()).isEqualTo(INVOCATION_FAILED);
        });
        // ... and its trace id is the one the exporter gave the request of that send.
        String traceOfSend = accepted.path("mdc").path("traceId").asText();
        assertThat(ingestion.accepted("Request")).anySatisfy(r -> {
            assertThat(r.path("tags").path("ai.operation.id").asText()).isEqualTo(traceOfSend);
            assertThat(r.path("data").path("baseData").path("properties").path("graph_mailer.tracking_id").asText()).isEqualTo(sentTrackingId);
        });
    }

    @Test
    void givenASecretLookingBodyAndToken_thenNoLogLineCarriesThemOrAKey() {
        String all = String.join("\n", lines);
        assertThat(all).doesNotContain(BODY_SECRET).doesNotContain(TOKEN_SECRET).doesNotContain(token).doesNotContain("eyJ")
                .doesNotContain(IngestionStandin.INSTRUMENTATION_KEY).doesNotContain("PRIVATE KEY")
                .doesNotContain("ops@fabrikam.example");
    }

    @Test
    void givenAStopRightAfterTheSends_thenTheirTelemetryWasFlushedWithNoSecretInAnyEnvelope() {
        assertThat(ingestion.accepted("Request")).anySatisfy(r -> assertThat(r.path("data").path("baseData").path("properties")
                .path("faas.invocation_id").asText()).isEqualTo(INVOCATION_FAILED));
        assertThat(ingestion.accepted("Metric")).anySatisfy(m -> assertThat(m.path("data").path("baseData").path("metrics").get(0)
                .path("name").asText()).isEqualTo(OtelTelemetry.SENDS));
        String all = String.join("\n", ingestion.bodies());
        assertThat(all).doesNotContain(BODY_SECRET).doesNotContain(TOKEN_SECRET).doesNotContain(token).doesNotContain("eyJ")
                .doesNotContain("PRIVATE KEY").doesNotContain("ops@fabrikam.example");
        assertThat(ingestion.answers()).allSatisfy(status -> assertThat(status).isEqualTo(200));
    }
}
