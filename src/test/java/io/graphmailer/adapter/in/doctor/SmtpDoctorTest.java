package io.graphmailer.adapter.in.doctor;

import io.graphmailer.standin.SmtpStandin;
import io.graphmailer.standin.Standins;
import io.graphmailer.support.SmtpStandinsResource;
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

/** The doctor for SMTP mailboxes: a real STARTTLS + AUTH XOAUTH2 handshake, nothing sent. */
@QuarkusTest
@WithTestResource(value = SmtpStandinsResource.class, initArgs = @ResourceArg(name = "purpose", value = "smtp-doctor"))
class SmtpDoctorTest {

    @AfterEach
    void heal() {
        Standins.shared().reset();
        new SmtpStandinsResource().prepare(Standins.shared());
    }

    private static Map<String, Object> check(JsonPath report, String name) {
        List<Map<String, Object>> checks = report.getList("checks");
        return checks.stream().filter(c -> name.equals(c.get("name"))).findFirst()
                .orElseThrow(() -> new AssertionError("no check named " + name + " in " + checks));
    }

    @Test
    void givenAWorkingSmtpMailbox_thenLoginSucceedsAndNothingIsSent() {
        JsonPath report = given().header("Authorization", TestTokens.bearer()).when().get("/api/doctor")
                .then().statusCode(200).extract().jsonPath();
        assertThat(check(report, "SMTP login as " + Standins.MAILBOX).get("status")).isEqualTo("OK");
        assertThat(check(report, "role SMTP.SendAsApp in the SMTP token").get("status")).isEqualTo("OK");
        assertThat(SmtpStandin.shared().auths()).anySatisfy(a -> assertThat(a.tlsStarted()).isTrue());
        assertThat(SmtpStandin.shared().received()).isEmpty();
    }

    @Test
    void givenSmtpAuthDisabledForTheTenant_thenTheLoginCheckFailsWith5_7_139() {
        SmtpStandin.shared().failAuth("535 5.7.139 Authentication unsuccessful, SmtpClientAuthentication is disabled for the Tenant.");
        JsonPath report = given().header("Authorization", TestTokens.bearer()).when().get("/api/doctor")
                .then().statusCode(503).extract().jsonPath();
        Map<String, Object> login = check(report, "SMTP login as " + Standins.MAILBOX);
        assertThat(login.get("status")).isEqualTo("FAIL");
        assertThat((String) login.get("detail")).contains("5.7.139");
    }
}
