package io.graphmailer.adapter.out.graph;

import io.graphmailer.standin.Standins;
import io.graphmailer.support.StandinsResource;
import io.graphmailer.support.TestTokens;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import org.junit.jupiter.api.Test;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;

class KeyVaultFailureTest {

    private static io.restassured.response.ValidatableResponse send() {
        return given().header("Authorization", TestTokens.bearer()).contentType(ContentType.JSON).body(GraphTransportTest.minimal())
                .when().post("/api/users/" + Standins.shared().mailbox() + "/sendMail").then();
    }

    /** The function's identity lacks Key Vault Secrets User: the app still starts and says what to grant. */
    @QuarkusTest
    @WithTestResource(value = StandinsResource.class, initArgs = @ResourceArg(name = "keyVault", value = "denied"))
    static class AccessDenied {
        @Test
        void givenNoSecretsUserRole_thenStartsAnd500NamesTheRole() {
            send().statusCode(500)
                    .body("error.code", equalTo("KeyVaultAccessDenied"))
                    .body("detail", containsString("Key Vault Secrets User"));
            send().statusCode(500).body("error.code", equalTo("KeyVaultAccessDenied"));
            assertThat(Standins.shared().graph().sendMailRequests()).isZero();
        }
    }

    /** Key Vault unreachable at start: no crash loop; sends answer 503 with Retry-After, not a hang. */
    @QuarkusTest
    @WithTestResource(value = StandinsResource.class, initArgs = @ResourceArg(name = "keyVault", value = "stopped"))
    static class Unreachable {
        @Test
        void givenVaultDownAtStart_thenTheAppServesAndReportsIt() {
            send().statusCode(503)
                    .header("Retry-After", org.hamcrest.Matchers.notNullValue())
                    .body("error.code", equalTo("KeyVaultUnreachable"))
                    .body("detail", containsString("GRAPH_MAILER_KEY_VAULT_URL"));
            given().when().get("/").then().statusCode(200);
            assertThat(Standins.shared().graph().sendMailRequests()).isZero();
        }
    }
}
