package io.graphmailer.adapter.out.identity;

import io.graphmailer.support.SendMailBodies;


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

/** The function's identity lacks Key Vault Secrets User: the app still starts and says what to grant. */
@QuarkusTest
@WithTestResource(value = StandinsResource.class, initArgs = @ResourceArg(name = "keyVault", value = "denied"))
class KeyVaultAccessDeniedTest {

    static io.restassured.response.ValidatableResponse send() {
        return given().header("Authorization", TestTokens.bearer()).contentType(ContentType.JSON).body(SendMailBodies.minimal())
                .when().post("/api/users/" + Standins.shared().mailbox() + "/sendMail").then();
    }

    @Test
    void givenNoSecretsUserRole_thenStartsAnd500NamesTheRole() {
        send().statusCode(500)
                .body("error.code", equalTo("KeyVaultAccessDenied"))
                .body("detail", containsString("Key Vault Secrets User"));
        send().statusCode(500).body("error.code", equalTo("KeyVaultAccessDenied"));
        assertThat(Standins.shared().graph().sendMailRequests()).isZero();
    }
}
