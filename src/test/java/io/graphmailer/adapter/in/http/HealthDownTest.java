package io.graphmailer.adapter.in.http;

import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.startsWith;

/** Readiness is down (503) when the ledger's and the delivery log's storage cannot be reached; liveness stays up. */
@QuarkusTest
@TestProfile(HealthDownTest.UnreachableStorage.class)
class HealthDownTest {

    public static class UnreachableStorage implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            // Nothing listens on port 1: every storage call is refused at once.
            String account = "devstoreaccount1";
            return Map.of("graph-mailer.storage.connection-string", "DefaultEndpointsProtocol=http;AccountName=" + account
                            + ";AccountKey=" + io.graphmailer.support.Azurite.KEY
                            + ";QueueEndpoint=http://127.0.0.1:1/" + account + ";TableEndpoint=http://127.0.0.1:1/" + account + ";",
                    "graph-mailer.delivery-log.store", "table");
        }
    }

    @Test
    void givenUnreachableStorage_thenReadinessIsDownNamingTheStoresAndLivenessIsUp() {
        given().when().get("/q/health/live").then().statusCode(200).body("status", equalTo("UP"));
        given().when().get("/api/health/ready").then().statusCode(503).body("status", equalTo("DOWN"))
                .body("checks.find { it.name == 'storage' }.status", equalTo("DOWN"))
                .body("checks.find { it.name == 'storage' }.data.ledger", startsWith("unreachable: "))
                .body("checks.find { it.name == 'storage' }.data.deliveryLog", startsWith("unreachable: "));
        given().when().get("/q/health/ready").then().statusCode(503);
    }
}
