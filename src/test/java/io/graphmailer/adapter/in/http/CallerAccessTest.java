package io.graphmailer.adapter.in.http;

import io.graphmailer.support.Outbox;
import io.graphmailer.support.TestTokens;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.List;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;

/** Who may call, and as whom they may send. */
@QuarkusTest
class CallerAccessTest {

    @BeforeEach
    void clean() {
        Outbox.clear();
    }

    private static void expectRefused(String authorization, int status, String detailPart) {
        var request = given().accept("application/problem+json").contentType(ContentType.JSON).body(SendMailApiTest.minimal());
        if (authorization != null) {
            request.header("Authorization", authorization);
        }
        request.when().post("/api/users/noreply@contoso.example/sendMail")
                .then().statusCode(status)
                .contentType("application/problem+json")
                .body("detail", containsString(detailPart));
        assertThat(Outbox.files()).isEmpty();
    }

    @Test
    void givenNoToken_then401WithBearerChallenge() {
        given().contentType(ContentType.JSON).body(SendMailApiTest.minimal())
                .when().post("/api/users/noreply@contoso.example/sendMail")
                .then().statusCode(401).header("WWW-Authenticate", "Bearer").contentType("application/json")
                .body("error.code", equalTo("InvalidAuthenticationToken"));
        assertThat(Outbox.files()).isEmpty();
    }

    @Test
    void givenBasicScheme_then401() {
        expectRefused("Basic dXNlcjpwYXNz", 401, "Bearer scheme");
    }

    @Test
    void givenWrongIssuer_then401NamingTheIssuer() {
        String token = TestTokens.sign(TestTokens.builder("https://login.microsoftonline.com/another-tenant/v2.0",
                TestTokens.AUDIENCE, List.of(TestTokens.ROLE), Instant.now().plusSeconds(600)));
        expectRefused("Bearer " + token, 401, "issuer");
    }

    @Test
    void givenWrongAudience_then401NamingTheAudience() {
        String token = TestTokens.sign(TestTokens.builder(TestTokens.ISSUER, "https://graph.microsoft.com",
                List.of(TestTokens.ROLE), Instant.now().plusSeconds(600)));
        expectRefused("Bearer " + token, 401, "audience");
    }

    @Test
    void givenExpiredToken_then401SayingExpired() {
        String token = TestTokens.sign(TestTokens.builder(TestTokens.ISSUER, TestTokens.AUDIENCE,
                List.of(TestTokens.ROLE), Instant.now().minusSeconds(3600)));
        expectRefused("Bearer " + token, 401, "expired");
    }

    @Test
    void givenTokenSignedByAnotherKey_then401() {
        String token = TestTokens.builder(TestTokens.ISSUER, TestTokens.AUDIENCE, List.of(TestTokens.ROLE), Instant.now().plusSeconds(600))
                .jws().keyId("test-caller-key").sign(TestTokens.otherKey());
        expectRefused("Bearer " + token, 401, "signature");
    }

    @Test
    void givenGarbageToken_then401() {
        expectRefused("Bearer not.a.jwt", 401, "not a valid access token");
    }

    @Test
    void givenTokenWithoutTheRequiredRole_then403() {
        String token = TestTokens.sign(TestTokens.builder(TestTokens.ISSUER, TestTokens.AUDIENCE,
                List.of("Something.Else"), Instant.now().plusSeconds(600)));
        expectRefused("Bearer " + token, 403, "GraphMailer.Send");
    }

    @Test
    void givenMailboxNotOnTheAllowlist_then403BeforeTheBodyIsRead() {
        // The body is invalid too: the allowlist answers first.
        given().header("Authorization", TestTokens.bearer()).accept("application/problem+json").contentType(ContentType.JSON).body("{not json")
                .when().post("/api/users/ceo@contoso.example/sendMail")
                .then().statusCode(403).contentType("application/problem+json")
                .body("errors[0].field", equalTo("mailbox"))
                .body("detail", containsString("ceo@contoso.example"));
        assertThat(Outbox.files()).isEmpty();
    }

    @Test
    void givenMalformedMailbox_then400NamingTheMailbox() {
        given().header("Authorization", TestTokens.bearer()).contentType(ContentType.JSON).body(SendMailApiTest.minimal())
                .when().post("/api/users/not a mailbox/sendMail")
                .then().statusCode(400).body("errors[0].field", equalTo("mailbox"));
        assertThat(Outbox.files()).isEmpty();
    }

    @Test
    void givenWrongMethod_then405Problem() {
        given().header("Authorization", TestTokens.bearer()).accept("application/problem+json")
                .when().get("/api/users/noreply@contoso.example/sendMail")
                .then().statusCode(405).contentType("application/problem+json");
    }
}
