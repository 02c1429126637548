package io.graphmailer.adapter.in.http;

import io.graphmailer.config.GraphMailerConfig;
import io.graphmailer.support.Outbox;
import io.graphmailer.support.TestTokens;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import jakarta.inject.Inject;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.List;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.hamcrest.Matchers.containsString;

/** The verified-token cache of {@link CallerAuthenticator} (ADR 0013): it never lets through what the full check refuses. */
@QuarkusTest
class CallerTokenCacheTest {

    @Inject
    GraphMailerConfig config;

    @BeforeEach
    void clean() {
        Outbox.clear();
    }

    private static String withCharacterChanged(String token, int index) {
        char c = token.charAt(index);
        char other = c == 'A' ? 'B' : 'A';
        return token.substring(0, index) + other + token.substring(index + 1);
    }

    @Test
    void givenAcceptedToken_thenItIsRemembered() {
        VerifiedTokens cache = new VerifiedTokens();
        CallerAuthenticator authenticator = new CallerAuthenticator(config, cache);
        String token = TestTokens.valid();
        assertThat(authenticator.authenticate("Bearer " + token).appId()).isEqualTo(TestTokens.CALLER_APP);
        assertThat(cache.size()).isEqualTo(1);
        assertThat(authenticator.authenticate("Bearer " + token).appId()).isEqualTo(TestTokens.CALLER_APP);
        assertThat(cache.size()).isEqualTo(1);
    }

    @Test
    void givenRefusedTokens_thenNoneIsRemembered() {
        VerifiedTokens cache = new VerifiedTokens();
        CallerAuthenticator authenticator = new CallerAuthenticator(config, cache);
        String noRole = TestTokens.sign(TestTokens.builder(TestTokens.ISSUER, TestTokens.AUDIENCE,
                List.of("Something.Else"), Instant.now().plusSeconds(600)));
        String otherKey = TestTokens.builder(TestTokens.ISSUER, TestTokens.AUDIENCE, List.of(TestTokens.ROLE), Instant.now().plusSeconds(600))
                .jws().keyId("test-caller-key").sign(TestTokens.otherKey());
        for (String token : List.of(noRole, otherKey, noRole, otherKey)) {
            assertThatThrownBy(() -> authenticator.authenticate("Bearer " + token)).isInstanceOf(ProblemException.class);
        }
        assertThat(cache.size()).isZero();
    }

    @Test
    void givenForgedCopyOfAnAcceptedToken_thenItIsVerifiedAfreshAndRefused() {
        VerifiedTokens cache = new VerifiedTokens();
        CallerAuthenticator authenticator = new CallerAuthenticator(config, cache);
        String token = TestTokens.valid();
        authenticator.authenticate("Bearer " + token);
        int signatureStart = token.lastIndexOf('.') + 1;
        // One character inside the signature, and one inside the claims: both are other strings and fail the full check.
        String badSignature = withCharacterChanged(token, signatureStart + 20);
        String badClaims = withCharacterChanged(token, token.indexOf('.') + 20);
        for (String forged : List.of(badSignature, badClaims)) {
            assertThatThrownBy(() -> authenticator.authenticate("Bearer " + forged)).isInstanceOf(ProblemException.class);
        }
        assertThat(cache.size()).isEqualTo(1);
    }

    @Test
    void givenTokenSentTwiceThenAForgedCopy_thenTheCopyIsRefusedOverHttp() {
        String token = TestTokens.valid();
        for (int i = 0; i < 2; i++) {
            given().header("Authorization", "Bearer " + token).contentType(ContentType.JSON).body(SendMailApiTest.minimal())
                    .when().post("/api/users/noreply@contoso.example/sendMail")
                    .then().statusCode(202);
        }
        String forged = withCharacterChanged(token, token.lastIndexOf('.') + 20);
        given().header("Authorization", "Bearer " + forged).accept("application/problem+json").contentType(ContentType.JSON)
                .body(SendMailApiTest.minimal())
                .when().post("/api/users/noreply@contoso.example/sendMail")
                .then().statusCode(401).contentType("application/problem+json").body("detail", containsString("signature"));
        assertThat(Outbox.files()).hasSize(2);
    }
}
