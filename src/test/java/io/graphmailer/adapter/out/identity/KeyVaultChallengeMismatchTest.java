package io.graphmailer.adapter.out.identity;

import io.graphmailer.standin.Standins;
import io.graphmailer.support.LogCapture;
import io.graphmailer.support.StandinsResource;
import io.graphmailer.support.TestTokens;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.path.json.JsonPath;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;

/**
 * The vault's authentication challenge names a resource the configured vault URL is not under (the Key Vault SDK
 * refuses it): sends and the log name the mismatch and the URL to set; once fixed, the doctor reads the vault again
 * at once instead of repeating the remembered failure.
 */
@QuarkusTest
@WithTestResource(value = StandinsResource.class, initArgs = @ResourceArg(name = "keyVault", value = "foreign-challenge"))
class KeyVaultChallengeMismatchTest {
    private final Standins standins = Standins.shared();

    @Test
    void givenAChallengeForAnotherResource_thenSendsAndTheLogNameTheMismatch_andOnceFixedTheDoctorSeesItAtOnce() {
        try (LogCapture log = LogCapture.start()) {
            KeyVaultAccessDeniedTest.send().statusCode(500)
                    .body("error.code", equalTo("KeyVaultChallengeResourceMismatch"))
                    .body("detail", containsString("asked for a token for resource " + StandinsResource.FOREIGN_VAULT_RESOURCE))
                    .body("detail", containsString(standins.vaultUrl()))
                    .body("detail", containsString("GRAPH_MAILER_KEY_VAULT_URL"));
            assertThat(log.lines()).anySatisfy(line -> assertThat(line).contains("cannot load the certificate")
                    .contains("asked for a token for resource " + StandinsResource.FOREIGN_VAULT_RESOURCE));
        }
        assertThat(standins.graph().sendMailRequests()).isZero();

        // The operator fixes it; the doctor right away must read the vault, not repeat the failure sends remember.
        standins.keyVault().challengeResource(io.graphmailer.standin.KeyVaultStandin.CHALLENGE_RESOURCE);
        JsonPath report = given().header("Authorization", TestTokens.bearer()).when().get("/api/doctor")
                .then().statusCode(200).extract().jsonPath();
        List<Map<String, Object>> checks = report.getList("checks");
        assertThat(checks).filteredOn(c -> "token for Graph".equals(c.get("name")))
                .singleElement().satisfies(c -> assertThat(c.get("status")).isEqualTo("OK"));
        assertThat(checks).filteredOn(c -> "certificate readable".equals(c.get("name")))
                .singleElement().satisfies(c -> assertThat(c.get("status")).isEqualTo("OK"));
    }
}
