package io.graphmailer.adapter.out.identity;

import io.graphmailer.standin.Standins;
import io.graphmailer.support.StandinsResource;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import org.junit.jupiter.api.Test;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.notNullValue;

/** Key Vault unreachable at start: no crash loop; sends answer 503 with Retry-After, not a hang. */
@QuarkusTest
@WithTestResource(value = StandinsResource.class, initArgs = @ResourceArg(name = "keyVault", value = "stopped"))
class KeyVaultUnreachableTest {

    @Test
    void givenVaultDownAtStart_thenTheAppServesAndReportsIt() {
        KeyVaultAccessDeniedTest.send().statusCode(503)
                .header("Retry-After", notNullValue())
                .body("error.code", equalTo("KeyVaultUnreachable"))
                .body("detail", containsString("GRAPH_MAILER_KEY_VAULT_URL"));
        given().when().get("/").then().statusCode(200);
        assertThat(Standins.shared().graph().sendMailRequests()).isZero();
    }
}
