package io.graphmailer.adapter.out.graph;

import io.graphmailer.standin.AadError;
import io.graphmailer.standin.Standins;
import io.graphmailer.support.LogCapture;
import io.graphmailer.support.StandinsResource;
import io.graphmailer.support.TestTokens;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Base64;
import java.util.List;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;

/** Through the whole graph path, success and failure: no token, key, certificate or body in the logs. */
@QuarkusTest
@WithTestResource(value = StandinsResource.class, initArgs = @ResourceArg(name = "tokenLifetimeSeconds", value = "120"))
class GraphLogSecrecyTest {

    @Test
    void givenSendsThatSucceedAndFail_thenNoSecretIsLogged() throws Exception {
        Standins standins = Standins.shared();
        String body = "{\"message\":{\"subject\":\"s\",\"body\":{\"contentType\":\"text\",\"content\":\"BODY-SECRET-41\"},"
                + "\"toRecipients\":[{\"emailAddress\":{\"address\":\"ops@fabrikam.example\"}}]}}";
        try (LogCapture capture = LogCapture.start()) {
            given().header("Authorization", TestTokens.bearer()).contentType(ContentType.JSON).body(body)
                    .post("/api/users/" + standins.mailbox() + "/sendMail").then().statusCode(202);
            standins.identity().failAlways(AadError.KEY_NOT_FOUND);
            given().header("Authorization", TestTokens.bearer()).contentType(ContentType.JSON).body(body)
                    .post("/api/users/" + standins.mailbox() + "/sendMail").then().statusCode(500);
            standins.identity().clearFailures();

            String graphToken = standins.graph().acceptedMessages().get(0).headers().get("Authorization").get(0).substring(7);
            List<String> secrets = new ArrayList<>(List.of("BODY-SECRET-41",
                    graphToken.substring(graphToken.lastIndexOf('.') + 1),
                    Base64.getEncoder().encodeToString(standins.clientCertificate().privateKey().getEncoded()).substring(0, 40),
                    Base64.getEncoder().encodeToString(standins.clientCertificate().certificate().getEncoded()).substring(0, 40)));
            assertThat(capture.lines()).as("log lines were captured").isNotEmpty();
            assertThat(capture.lines()).noneSatisfy(line -> assertThat(line).containsAnyOf(secrets.toArray(String[]::new)));
        }
    }
}
