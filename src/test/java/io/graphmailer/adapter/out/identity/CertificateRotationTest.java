package io.graphmailer.adapter.out.identity;

import io.graphmailer.support.SendMailBodies;


import io.graphmailer.standin.AadError;
import io.graphmailer.standin.StandinPki;
import io.graphmailer.standin.Standins;
import io.graphmailer.support.StandinsResource;
import io.graphmailer.support.TestTokens;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.security.MessageDigest;
import java.util.Base64;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;

/**
 * Token lifetimes under MSAL's 5-minute refresh margin make every send ask for a token, so each
 * send shows what the identity platform thinks of the current certificate.
 */
@QuarkusTest
@WithTestResource(value = StandinsResource.class, initArgs = @ResourceArg(name = "tokenLifetimeSeconds", value = "120"))
class CertificateRotationTest {
    private final Standins standins = Standins.shared();

    @AfterEach
    void clean() {
        standins.identity().clearFailures();
        standins.identity().grantRoles(Standins.CLIENT_ID, "https://graph.microsoft.com", java.util.Set.of("Mail.Send"));
    }

    private io.restassured.response.ValidatableResponse send() {
        return given().header("Authorization", TestTokens.bearer()).contentType(ContentType.JSON).body(SendMailBodies.minimal())
                .when().post("/api/users/" + standins.mailbox() + "/sendMail").then();
    }

    @Test
    void givenCertificateRotatedInKeyVaultAndOldOneRemoved_thenReReadAndSentWithoutRestart() throws Exception {
        send().statusCode(202);
        StandinPki.ClientCertificate old = standins.clientCertificate();
        StandinPki.ClientCertificate rotated = standins.rotateClientCertificate();
        standins.identity().unregisterCertificate(Standins.CLIENT_ID, old.certificate());
        int readsBefore = standins.keyVault().secretReads(Standins.CERTIFICATE_NAME);

        send().statusCode(202);

        assertThat(standins.keyVault().secretReads(Standins.CERTIFICATE_NAME)).isEqualTo(readsBefore + 1);
        String expected = Base64.getEncoder().encodeToString(MessageDigest.getInstance("SHA-256").digest(rotated.certificate().getEncoded()));
        Object thumbprint = standins.identity().lastAssertion().header().get("x5t#S256");
        assertThat(thumbprint.toString().replace('-', '+').replace('_', '/').replace("=", ""))
                .isEqualTo(expected.replace("=", ""));
    }

    @Test
    void givenCertificateNotRegisteredOnTheApp_then500SayingSo() {
        standins.identity().failAlways(AadError.KEY_NOT_FOUND);
        send().statusCode(500)
                .body("error.code", equalTo("CertificateNotRegistered"))
                .body("detail", containsString("AADSTS700027"))
                .body("detail", containsString("Upload the current certificate to the app registration"));
    }

    @Test
    void givenAppUnknownInTheTenant_then500NamingTheClientId() {
        standins.identity().failAlways(AadError.APPLICATION_NOT_FOUND);
        send().statusCode(500).body("error.code", equalTo("AppNotFound")).body("detail", containsString(Standins.CLIENT_ID));
    }

    @Test
    void givenNoMailSendRoleOrConsent_then500ExplainingTheGrant() {
        standins.identity().revokeRoles(Standins.CLIENT_ID, "https://graph.microsoft.com");
        send().statusCode(500)
                .body("error.code", org.hamcrest.Matchers.oneOf("ConsentMissing", "MailboxAccessDenied"))
                .body("detail", containsString("Mail.Send"));
    }
}
