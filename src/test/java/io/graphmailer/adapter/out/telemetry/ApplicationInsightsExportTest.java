package io.graphmailer.adapter.out.telemetry;

import com.fasterxml.jackson.databind.JsonNode;
import io.graphmailer.standin.IngestionStandin;
import io.graphmailer.standin.Standins;
import io.graphmailer.support.SendMailBodies;
import io.graphmailer.support.StandinsResource;
import io.graphmailer.support.TestTokens;
import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.restassured.http.ContentType;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;
import java.util.function.Supplier;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * With a connection string, the app's telemetry reaches the Application Insights ingestion stand-in: an HTTP send as a
 * Request with its tracking id and invocation id, its dependencies, the sends counter as a metric, and nothing secret.
 */
@QuarkusTest
@TestProfile(ApplicationInsightsExportTest.Connected.class)
@WithTestResource(StandinsResource.class)
@WithTestResource(ApplicationInsightsExportTest.Ingestion.class)
class ApplicationInsightsExportTest {
    static final IngestionStandin INGESTION = new IngestionStandin(Standins.shared().identity());
    private static final String BODY_TEXT = "ai-export-body-text-must-not-leak";

    /** Starts the ingestion stand-in and hands the app its connection string (as APPLICATIONINSIGHTS_CONNECTION_STRING would). */
    public static class Ingestion implements QuarkusTestResourceLifecycleManager {
        @Override
        public Map<String, String> start() {
            INGESTION.start();
            return Map.of("graph-mailer.telemetry.connection-string", INGESTION.connectionString());
        }

        @Override
        public void stop() {
            INGESTION.stop();
        }
    }

    /** The SDK on, as the connection string turns it on (TelemetrySwitch reads the environment); short export intervals. */
    public static class Connected implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("quarkus.otel.sdk.disabled", "false", "quarkus.otel.metric.export.interval", "1s",
                    "quarkus.otel.bsp.schedule.delay", "100ms");
        }
    }

    private final Standins standins = Standins.shared();

    @BeforeEach
    void reset() {
        standins.reset();
        new StandinsResource().prepare(standins);
        INGESTION.reset();
    }

    private static <T> T await(Supplier<T> value, Predicate<T> done) throws InterruptedException {
        Instant until = Instant.now().plusSeconds(20);
        T v = value.get();
        while (!done.test(v) && Instant.now().isBefore(until)) {
            Thread.sleep(100);
            v = value.get();
        }
        return v;
    }

    private String send(String invocationId) {
        String body = SendMailBodies.minimal().replace("\"content\":\"", "\"content\":\"" + BODY_TEXT + " ");
        return given().header("Authorization", TestTokens.bearer()).header("X-Azure-Functions-InvocationId", invocationId)
                .contentType(ContentType.JSON).body(body).when().post("/api/users/" + standins.mailbox() + "/sendMail")
                .then().statusCode(202).extract().path("trackingId");
    }

    private static String property(JsonNode envelope, String name) {
        return envelope.path("data").path("baseData").path("properties").path(name).asText(null);
    }

    @Test
    void givenAnHttpSend_thenItArrivesAsARequestWithItsTrackingIdAndInvocationIdAndItsDependencies() throws Exception {
        String trackingId = send("7d1f0c3e-2222-4c1e-9d55-000000000001");

        List<JsonNode> requests = await(() -> INGESTION.accepted("Request"),
                l -> l.stream().anyMatch(r -> trackingId.equals(property(r, "graph_mailer.tracking_id"))));
        JsonNode request = requests.stream().filter(r -> trackingId.equals(property(r, "graph_mailer.tracking_id"))).findFirst().orElseThrow();
        assertThat(property(request, "faas.invocation_id")).isEqualTo("7d1f0c3e-2222-4c1e-9d55-000000000001");
        assertThat(request.path("data").path("baseData").path("responseCode").asText()).isEqualTo("202");
        assertThat(request.path("data").path("baseData").path("success").asBoolean()).isTrue();
        assertThat(request.path("tags").path("ai.cloud.role").asText()).isEqualTo("graph-mailer");
        String operation = request.path("tags").path("ai.operation.id").asText();

        List<JsonNode> dependencies = await(() -> INGESTION.accepted("RemoteDependency"),
                l -> l.stream().anyMatch(d -> operation.equals(d.path("tags").path("ai.operation.id").asText())));
        JsonNode send = dependencies.stream().filter(d -> operation.equals(d.path("tags").path("ai.operation.id").asText())
                && d.path("data").path("baseData").path("name").asText().equals(OtelTelemetry.SEND_SPAN)).findFirst().orElseThrow();
        assertThat(send.path("tags").path("ai.operation.parentId").asText()).isEqualTo(request.path("data").path("baseData").path("id").asText());
        assertThat(property(send, "graph_mailer.tracking_id")).isEqualTo(trackingId);
        assertThat(property(send, "graph_mailer.outcome")).isEqualTo("sent");
        assertNoSecretIn(INGESTION.bodies());
    }

    @Test
    void givenAnHttpSend_thenTheSendsCounterArrivesAsAMetricWithItsDimensions() throws Exception {
        send("7d1f0c3e-2222-4c1e-9d55-000000000002");

        List<JsonNode> metrics = await(() -> INGESTION.accepted("Metric"), l -> l.stream()
                .anyMatch(m -> m.path("data").path("baseData").path("metrics").get(0).path("name").asText().equals(OtelTelemetry.SENDS)));
        JsonNode sends = metrics.stream()
                .filter(m -> m.path("data").path("baseData").path("metrics").get(0).path("name").asText().equals(OtelTelemetry.SENDS))
                .findFirst().orElseThrow();
        assertThat(property(sends, "graph_mailer.outcome")).isEqualTo("sent");
        assertThat(property(sends, "graph_mailer.mailbox")).isEqualTo(standins.mailbox().toLowerCase());
        assertThat(sends.path("data").path("baseData").path("metrics").get(0).path("value").asDouble()).isGreaterThanOrEqualTo(1.0);
        assertNoSecretIn(INGESTION.bodies());
    }

    /** No envelope carries the body, a bearer token (JWT), the instrumentation key outside iKey, or key material. */
    private static void assertNoSecretIn(List<String> bodies) {
        assertThat(bodies).isNotEmpty();
        String all = String.join("\n", bodies);
        assertThat(all).doesNotContain(BODY_TEXT).doesNotContain("eyJ").doesNotContain("PRIVATE KEY").doesNotContain("BEGIN ")
                .doesNotContainIgnoringCase("bearer").doesNotContain("ops@fabrikam.example");
        // The key appears only as each envelope's iKey.
        for (String body : bodies) {
            for (String line : body.split("\n")) {
                assertThat(line.replace("\"iKey\":\"" + IngestionStandin.INSTRUMENTATION_KEY + "\"", ""))
                        .doesNotContain(IngestionStandin.INSTRUMENTATION_KEY);
            }
        }
    }
}
