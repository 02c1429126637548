package io.graphmailer.adapter.out.identity;

import io.graphmailer.support.SendMailBodies;


import io.graphmailer.standin.StandinPki;
import io.graphmailer.standin.Standins;
import io.graphmailer.support.StandinsResource;
import io.graphmailer.support.TestTokens;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import org.junit.jupiter.api.Test;

import java.security.MessageDigest;
import java.util.Base64;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Rotation before anything fails: a newer certificate version in Key Vault is picked up at the next
 * periodic check (1 s here), while the old certificate is still valid on the app registration.
 */
@QuarkusTest
@WithTestResource(value = StandinsResource.class, initArgs = {
        @ResourceArg(name = "tokenLifetimeSeconds", value = "120"),
        @ResourceArg(name = "certificateCheckInterval", value = "PT1S")})
class CertificateVersionCheckTest {

    private static void send() {
        given().header("Authorization", TestTokens.bearer()).contentType(ContentType.JSON).body(SendMailBodies.minimal())
                .when().post("/api/users/" + Standins.shared().mailbox() + "/sendMail").then().statusCode(202);
    }

    private static String sha256(StandinPki.ClientCertificate c) throws Exception {
        return Base64.getEncoder().encodeToString(MessageDigest.getInstance("SHA-256").digest(c.certificate().getEncoded())).replace("=", "");
    }

    private static String lastThumbprint() {
        return String.valueOf(Standins.shared().identity().lastAssertion().header().get("x5t#S256"))
                .replace('-', '+').replace('_', '/').replace("=", "");
    }

    @Test
    void givenANewerVersionInKeyVault_thenTheNextCheckSwitchesToItWithoutAnyFailure() throws Exception {
        Standins standins = Standins.shared();
        StandinPki.ClientCertificate old = standins.clientCertificate();
        send();
        assertThat(lastThumbprint()).isEqualTo(sha256(old));
        int readsBefore = standins.keyVault().secretReads(Standins.CERTIFICATE_NAME);

        StandinPki.ClientCertificate rotated = standins.rotateClientCertificate(); // the old one stays registered
        Thread.sleep(1_100); // past the check interval
        send();

        assertThat(standins.keyVault().secretReads(Standins.CERTIFICATE_NAME)).isGreaterThan(readsBefore);
        assertThat(lastThumbprint()).as("the assertion is signed with the newer certificate").isEqualTo(sha256(rotated));
    }
}
