package io.graphmailer.adapter.out.identity;

import io.graphmailer.support.SendMailBodies;

import io.graphmailer.adapter.out.graph.GraphMailSender;

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

/** One MSAL application, reused: its cache turns 50 sends into one token request. */
@QuarkusTest
// Its own resource arguments, so this class gets a fresh app (and a cold MSAL cache) of its own.
@WithTestResource(value = StandinsResource.class, initArgs = {@ResourceArg(name = "purpose", value = "token-cache"),
        @ResourceArg(name = "warmUp", value = "true")})
class TokenCacheTest {

    @Test
    void givenWarmUpAndFiftySends_thenExactlyOneTokenRequestAndOneKeyVaultRead() {
        Standins standins = Standins.shared();
        for (int i = 0; i < 50; i++) {
            given().header("Authorization", TestTokens.bearer()).contentType(ContentType.JSON).body(SendMailBodies.minimal())
                    .when().post("/api/users/" + standins.mailbox() + "/sendMail")
                    .then().statusCode(202);
        }
        assertThat(standins.graph().acceptedMessages(standins.mailbox())).hasSize(50);
        assertThat(standins.identity().tokenRequests(Standins.CLIENT_ID, GraphMailSender.GRAPH_SCOPE)).isEqualTo(1);
        assertThat(standins.keyVault().secretReads(Standins.CERTIFICATE_NAME)).isEqualTo(1);
    }
}
