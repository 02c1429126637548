package io.graphmailer.adapter.in.http;

import io.graphmailer.adapter.out.smtp.SmtpMailSender;
import io.graphmailer.standin.SmtpStandin;
import io.graphmailer.standin.Standins;
import io.graphmailer.support.SmtpStandinsResource;
import io.graphmailer.support.TestTokens;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.path.json.JsonPath;
import jakarta.inject.Inject;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The doctor for SMTP mailboxes: a real STARTTLS + AUTH XOAUTH2 handshake on a new connection every time (never a
 * pooled one), nothing sent.
 */
@QuarkusTest
@WithTestResource(value = SmtpStandinsResource.class, initArgs = @ResourceArg(name = "purpose", value = "smtp-doctor"))
class SmtpDoctorTest {
    private final SmtpStandin smtp = SmtpStandin.shared();

    @Inject
    SmtpMailSender smtpSender;

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

    /** One message through SMTP, so the pool keeps an authenticated idle connection. */
    private static void sendOne() {
        given().header("Authorization", TestTokens.bearer()).contentType(ContentType.JSON)
                .body("""
                        {"message":{"subject":"s","body":{"contentType":"text","content":"c"},
                          "toRecipients":[{"emailAddress":{"address":"ops@fabrikam.example"}}]}}
                        """)
                .when().post("/api/users/" + Standins.MAILBOX + "/sendMail").then().statusCode(202);
    }

    private static List<SmtpStandin.AuthSeen> authsAfter(List<SmtpStandin.AuthSeen> all, int skip) {
        return all.subList(skip, all.size());
    }

    @Test
    void givenAnIdlePooledConnection_thenEveryDoctorRunMakesANewConnectionAndARealAuth() {
        smtpSender.close();
        sendOne();
        String pooledSession = smtp.auths().get(0).sessionId();
        int connectionsBefore = smtp.connections();
        int authsBefore = smtp.auths().size();

        for (int run = 1; run <= 3; run++) {
            JsonPath report = given().header("Authorization", TestTokens.bearer()).when().get("/api/doctor")
                    .then().statusCode(200).extract().jsonPath();
            Map<String, Object> login = check(report, "SMTP login as " + Standins.MAILBOX);
            assertThat(login.get("status")).isEqualTo("OK");
            assertThat((String) login.get("detail")).contains("new connection").contains("STARTTLS").contains("235");
            assertThat(smtp.connections()).as("TCP connections after doctor run %d", run).isEqualTo(connectionsBefore + run);
        }
        List<SmtpStandin.AuthSeen> doctorAuths = authsAfter(smtp.auths(), authsBefore);
        assertThat(doctorAuths).hasSize(3).allSatisfy(a -> {
            assertThat(a.succeeded()).isTrue();
            assertThat(a.tlsStarted()).isTrue();
            assertThat(a.user()).isEqualTo(Standins.MAILBOX);
            assertThat(a.sessionId()).isNotEqualTo(pooledSession);
        });
        assertThat(doctorAuths.stream().map(SmtpStandin.AuthSeen::sessionId).distinct()).hasSize(3);
        assertThat(smtp.received()).hasSize(1); // only the message sent above

        // The doctor left the pool alone: the next send still goes over the pooled session.
        sendOne();
        assertThat(smtp.received()).hasSize(2);
        assertThat(smtp.received().get(1).sessionId()).isEqualTo(pooledSession);
    }

    @Test
    void givenNewLoginsRefusedWhileAPooledConnectionStillWorks_thenTheDoctorReportsThe535WithTheChecklist() {
        smtpSender.close();
        sendOne();
        smtp.failAuth(SmtpStandin.AUTH_UNSUCCESSFUL);

        JsonPath report = given().header("Authorization", TestTokens.bearer()).when().get("/api/doctor")
                .then().statusCode(503).extract().jsonPath();
        Map<String, Object> login = check(report, "SMTP login as " + Standins.MAILBOX);
        assertThat(login.get("status")).isEqualTo("FAIL");
        assertThat((String) login.get("detail")).contains("SmtpAuthenticationUnsuccessful").contains("535 5.7.3")
                .contains("Check, in this order").contains("SMTP.SendAsApp").contains("Add-MailboxPermission");
        assertThat(login.get("owner")).isEqualTo("email team");
        assertThat(smtp.auths()).filteredOn(a -> !a.succeeded()).isNotEmpty()
                .allSatisfy(a -> assertThat(a.reply()).startsWith("535 5.7.3"));

        // What the old check relied on: the pooled session is still authenticated and sends, which proves nothing
        // about new logins.
        sendOne();
        assertThat(smtp.received()).hasSize(2);
    }

    @Test
    void givenThePoolHoldsAllThreeConnections_thenTheDoctorsLoginClosesAnIdleOneAndTheMailboxNeverHasFourSessions() throws Exception {
        smtpSender.close();
        smtp.dataDelay(java.time.Duration.ofMillis(700)); // three sends at once: three pooled connections
        java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(3);
        List<java.util.concurrent.Future<?>> sends = new java.util.ArrayList<>();
        for (int i = 0; i < 3; i++) {
            sends.add(pool.submit(SmtpDoctorTest::sendOne));
        }
        for (java.util.concurrent.Future<?> f : sends) {
            f.get(60, java.util.concurrent.TimeUnit.SECONDS);
        }
        pool.shutdown();
        smtp.dataDelay(java.time.Duration.ZERO);
        assertThat(smtp.maxConcurrentSessions(Standins.MAILBOX)).as("the pool filled up").isEqualTo(3);

        JsonPath report = given().header("Authorization", TestTokens.bearer()).when().get("/api/doctor")
                .then().statusCode(200).extract().jsonPath();
        assertThat(check(report, "SMTP login as " + Standins.MAILBOX).get("status")).isEqualTo("OK");
        assertThat(smtp.maxConcurrentSessions(Standins.MAILBOX)).as("Exchange's limit of 3 per mailbox").isEqualTo(3);
        sendOne(); // the two idle connections left still serve
        assertThat(smtp.received()).hasSize(4);
        assertThat(smtp.maxConcurrentSessions(Standins.MAILBOX)).isEqualTo(3);
    }
}
