package io.graphmailer.adapter.in.http;

import io.graphmailer.standin.AadError;
import io.graphmailer.standin.Standins;
import io.graphmailer.support.StandinsResource;
import io.graphmailer.support.TestTokens;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.path.json.JsonPath;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;

/** The doctor against the stand-ins: healthy, and each misconfiguration named with its fix and owner. */
@QuarkusTest
@WithTestResource(value = StandinsResource.class, initArgs = @ResourceArg(name = "purpose", value = "doctor"))
class DoctorTest {
    private final Standins standins = Standins.shared();

    @AfterEach
    void heal() {
        standins.reset();
        new StandinsResource().prepare(standins);
    }

    private static JsonPath doctor(int expectedStatus) {
        return given().header("Authorization", TestTokens.bearer())
                .when().get("/api/doctor")
                .then().statusCode(expectedStatus).contentType("application/json")
                .extract().jsonPath();
    }

    private static Map<String, Object> check(JsonPath report, String name) {
        List<Map<String, Object>> checks = report.getList("checks");
        return checks.stream().filter(c -> name.equals(c.get("name"))).findFirst()
                .orElseThrow(() -> new AssertionError("no check named " + name + " in " + checks));
    }

    @Test
    void givenAHealthyDeployment_thenEveryCheckPassesAndNothingIsSent() {
        JsonPath report = doctor(200);
        assertThat(report.getString("status")).isEqualTo("ok");
        assertThat(check(report, "certificate readable").get("status")).isEqualTo("OK");
        assertThat(check(report, "private key matches the certificate").get("status")).isEqualTo("OK");
        assertThat((String) check(report, "certificate validity").get("detail")).contains("days");
        assertThat(check(report, "token for Graph").get("status")).isEqualTo("OK");
        assertThat(check(report, "role Mail.Send in the Graph token").get("status")).isEqualTo("OK");
        assertThat((String) check(report, "every allowed mailbox has a transport").get("detail")).contains(standins.mailbox() + " → graph");
        assertThat(standins.graph().sendMailRequests()).isZero();
    }

    @Test
    void givenTheCertificateIsNotOnTheAppRegistration_then503NamingTheFixAndTheTeam() {
        standins.identity().failAlways(AadError.KEY_NOT_FOUND);
        JsonPath report = doctor(503);
        Map<String, Object> token = check(report, "token for Graph");
        assertThat(token.get("status")).isEqualTo("FAIL");
        assertThat((String) token.get("detail")).contains("AADSTS700027").contains("Upload the current certificate");
        assertThat(token.get("owner")).isEqualTo("identity team");
    }

    @Test
    void givenExchangeRbacInsteadOfAMailSendGrant_thenAWarningExplainingBothModels() {
        standins.identity().revokeRoles(Standins.CLIENT_ID, "https://graph.microsoft.com");
        JsonPath report = doctor(200);
        Map<String, Object> role = check(report, "role Mail.Send in the Graph token");
        assertThat(role.get("status")).isEqualTo("WARN");
        assertThat((String) role.get("fix")).contains("Exchange RBAC for Applications");
        assertThat(report.getString("status")).isEqualTo("warn");
    }

    @Test
    void givenKeyVaultDeniesTheIdentity_thenTheSecretsUserRoleIsNamed() {
        standins.keyVault().revokeAccess(Standins.FUNCTION_IDENTITY_OID);
        JsonPath report = doctor(503);
        Map<String, Object> certificate = check(report, "certificate readable");
        assertThat(certificate.get("status")).isEqualTo("FAIL");
        assertThat((String) certificate.get("fix")).contains("Key Vault Secrets User");
        assertThat(certificate.get("owner")).isEqualTo("infrastructure team");
    }

    @Test
    void givenAVaultWhoseChallengeNamesAnotherResource_thenTheMismatchAndTheUrlToSetAreNamedNotUnreachable() {
        standins.keyVault().challengeResource(StandinsResource.FOREIGN_VAULT_RESOURCE);
        JsonPath report = doctor(503);
        Map<String, Object> certificate = check(report, "certificate readable");
        assertThat(certificate.get("status")).isEqualTo("FAIL");
        assertThat((String) certificate.get("detail"))
                .contains("asked for a token for resource " + StandinsResource.FOREIGN_VAULT_RESOURCE)
                .contains(standins.vaultUrl())
                .doesNotContain("unreachable");
        assertThat((String) certificate.get("fix")).contains("GRAPH_MAILER_KEY_VAULT_URL")
                .contains("https://<vault-name>.vault.azure.net").doesNotContain("network path");
        assertThat(certificate.get("owner")).isEqualTo("infrastructure team");
    }

    @Test
    void givenTheVaultHoldsANewerCertificateThanTokensAreSignedWith_thenAWarningNamesBothInsteadOfAnUntestedOk() {
        assertThat(check(doctor(200), "tokens signed with the current certificate").get("status")).isEqualTo("OK");
        String next = standins.rotateClientCertificate().sha1Thumbprint();

        JsonPath report = doctor(200);

        assertThat((String) check(report, "certificate readable").get("detail")).containsIgnoringCase(next);
        Map<String, Object> signing = check(report, "tokens signed with the current certificate");
        assertThat(signing.get("status")).isEqualTo("WARN");
        assertThat(((String) signing.get("detail")).toLowerCase(java.util.Locale.ROOT)).contains("vault now holds " + next);
        assertThat(signing.get("owner")).isEqualTo("identity team");
    }

    @Test
    void givenNoCallerToken_then401() {
        given().when().get("/api/doctor").then().statusCode(401);
    }
}
