package io.graphmailer.adapter.in.http;

import io.graphmailer.support.LogCapture;
import io.graphmailer.support.Outbox;
import io.graphmailer.support.TestTokens;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;

/** Bodies, attachment bytes and bearer tokens never reach the logs, whatever the outcome. */
@QuarkusTest
class LogSecrecyTest {
    private static final String BODY_SECRET = "BODY-SECRET-7f3a";
    private static final String ATTACHMENT_SECRET = "ATTACHMENT-SECRET-9c1d";
    private LogCapture capture;

    @BeforeEach
    void attach() {
        Outbox.clear();
        capture = LogCapture.start();
    }

    @AfterEach
    void detach() {
        capture.close();
    }

    @Test
    void givenAcceptedRejectedAndUnauthenticatedRequests_thenNoSecretIsLogged() {
        String token = TestTokens.valid();
        String attachment = Base64.getEncoder().encodeToString(ATTACHMENT_SECRET.getBytes(StandardCharsets.UTF_8));
        String good = "{\"message\":{\"subject\":\"s\",\"body\":{\"contentType\":\"text\",\"content\":\"" + BODY_SECRET + "\"},"
                + "\"toRecipients\":[{\"emailAddress\":{\"address\":\"ops@fabrikam.example\"}}],"
                + "\"attachments\":[{\"@odata.type\":\"#microsoft.graph.fileAttachment\",\"name\":\"a.txt\",\"contentBytes\":\"" + attachment + "\"}]}}";
        given().header("Authorization", "Bearer " + token).contentType(ContentType.JSON).body(good)
                .post("/api/users/noreply@contoso.example/sendMail").then().statusCode(202);
        given().header("Authorization", "Bearer " + token).contentType(ContentType.JSON).body(good.replace("ops@fabrikam.example", "bad"))
                .post("/api/users/noreply@contoso.example/sendMail").then().statusCode(400);
        String expired = TestTokens.sign(TestTokens.builder(TestTokens.ISSUER, TestTokens.AUDIENCE, List.of(TestTokens.ROLE),
                java.time.Instant.now().minusSeconds(7200)));
        given().header("Authorization", "Bearer " + expired).contentType(ContentType.JSON).body(good)
                .post("/api/users/noreply@contoso.example/sendMail").then().statusCode(401);

        assertThat(capture.lines()).as("the capture must see the app's own log lines").anySatisfy(l -> assertThat(l).contains("outbox"));
        String signature = token.substring(token.lastIndexOf('.') + 1);
        String expiredSignature = expired.substring(expired.lastIndexOf('.') + 1);
        assertThat(capture.lines()).noneSatisfy(l -> assertThat(l).containsAnyOf(BODY_SECRET, ATTACHMENT_SECRET, attachment, signature, expiredSignature));
    }
}
