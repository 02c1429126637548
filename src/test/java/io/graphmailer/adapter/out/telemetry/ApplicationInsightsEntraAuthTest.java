package io.graphmailer.adapter.out.telemetry;

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
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.Map;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * An Application Insights resource with local authentication disabled: with GRAPH_MAILER_TELEMETRY_ENTRA_AUTH the
 * exporter sends a managed-identity token for https://monitor.azure.com, which the stand-in verifies.
 */
@QuarkusTest
@TestProfile(ApplicationInsightsEntraAuthTest.EntraOnly.class)
@WithTestResource(StandinsResource.class)
@WithTestResource(ApplicationInsightsEntraAuthTest.Ingestion.class)
class ApplicationInsightsEntraAuthTest {
    static final IngestionStandin INGESTION = new IngestionStandin(Standins.shared().identity());

    public static class Ingestion implements QuarkusTestResourceLifecycleManager {
        @Override
        public Map<String, String> start() {
            INGESTION.start();
            INGESTION.reset();
            INGESTION.requireEntraToken();
            return Map.of("graph-mailer.telemetry.connection-string", INGESTION.connectionString());
        }

        @Override
        public void stop() {
            INGESTION.stop();
        }
    }

    public static class EntraOnly implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("quarkus.otel.sdk.disabled", "false", "quarkus.otel.bsp.schedule.delay", "100ms",
                    "graph-mailer.telemetry.entra-auth", "true");
        }
    }

    @Test
    void givenEntraAuth_thenTheIngestionEndpointThatRefusesKeysAcceptsTheSpans() throws Exception {
        given().header("Authorization", TestTokens.bearer()).contentType(ContentType.JSON).body(SendMailBodies.minimal())
                .when().post("/api/users/" + Standins.shared().mailbox() + "/sendMail").then().statusCode(202);

        Instant until = Instant.now().plusSeconds(20);
        while (INGESTION.accepted("Request").isEmpty() && Instant.now().isBefore(until)) {
            Thread.sleep(100);
        }
        assertThat(INGESTION.accepted("Request")).isNotEmpty();
        assertThat(INGESTION.answers()).doesNotContain(401);
    }
}
