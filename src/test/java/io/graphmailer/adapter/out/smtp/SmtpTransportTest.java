package io.graphmailer.adapter.out.smtp;

import io.graphmailer.standin.IdentityPlatformStandin;
import io.graphmailer.standin.SmtpStandin;
import io.graphmailer.standin.Standins;
import io.graphmailer.support.SmtpStandinsResource;
import io.graphmailer.support.StandinsResource;
import io.graphmailer.support.TestTokens;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import jakarta.inject.Inject;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;

/**
 * Transport per mailbox, end to end: the HTTP API, the vault certificate, MSAL, and Exchange's SMTP endpoint (stand-in)
 * for the SMTP mailbox; Graph for the others.
 */
@QuarkusTest
@WithTestResource(SmtpStandinsResource.class)
class SmtpTransportTest {
    private final Standins standins = Standins.shared();
    private final SmtpStandin smtp = SmtpStandin.shared();

    @Inject
    SmtpMailSender smtpSender;

    @BeforeEach
    void reset() {
        standins.reset();
        new SmtpStandinsResource().prepare(standins);
        smtpSender.close(); // each test starts without pooled connections
    }

    private static final String MINIMAL = """
            {"message":{"subject":"s","body":{"contentType":"text","content":"c"},
              "toRecipients":[{"emailAddress":{"address":"ops@fabrikam.example"}}]}}
            """;

    private static io.restassured.response.Response send(String mailbox) {
        return given().header("Authorization", TestTokens.bearer()).contentType(ContentType.JSON).body(MINIMAL)
                .when().post("/api/users/" + mailbox + "/sendMail");
    }

    @Test
    void givenTheSmtpMailbox_thenSentBySmtpWithAnExchangeTokenOfTheSameAppAndNotThroughGraph() {
        String trackingId = send("Mailer@Contoso.test").then().statusCode(202).extract().path("trackingId");

        assertThat(smtp.received()).hasSize(1);
        assertThat(smtp.received().get(0).from()).isEqualTo(Standins.MAILBOX);
        assertThat(smtp.received().get(0).text()).contains("X-Graph-Mailer-Tracking-Id: " + trackingId);
        SmtpStandin.AuthSeen auth = smtp.auths().get(0);
        assertThat(auth.tlsStarted()).isTrue();
        assertThat(auth.user()).isEqualTo(Standins.MAILBOX);
        assertThat(auth.appId()).isEqualTo(Standins.CLIENT_ID);
        assertThat(auth.audience()).isEqualTo(IdentityPlatformStandin.EXCHANGE_RESOURCE);
        assertThat(auth.roles()).contains(SmtpStandin.SMTP_SEND_AS_APP);
        assertThat(standins.graph().acceptedMessages()).isEmpty();
    }

    @Test
    void givenAnotherAllowedMailbox_thenGraphSendsIt() {
        send(StandinsResource.OTHER_MAILBOX).then().statusCode(202);
        assertThat(standins.graph().acceptedMessages(StandinsResource.OTHER_MAILBOX)).hasSize(1);
        assertThat(smtp.received()).isEmpty();
    }

    @Test
    void givenSmtpAuthDisabledForTheTenant_then500NamingTheTenantSetting() {
        smtp.failAuth(SmtpStandin.AUTH_DISABLED_FOR_TENANT);
        send(Standins.MAILBOX).then().statusCode(500)
                .contentType("application/json")
                .body("error.code", equalTo("SmtpAuthDisabled"))
                .body("detail", containsString("Set-TransportConfig -SmtpClientAuthenticationDisabled $false"));
    }

    @Test
    void givenTheMailboxAlreadyHasThreeConnectionsElsewhere_then503WithRetryAfter() {
        smtp.maxSessionsPerUser(0);
        send(Standins.MAILBOX).then().statusCode(503)
                .header("Retry-After", "10")
                .body("error.code", equalTo("SmtpConcurrentConnectionLimit"));
    }

    @Test
    void givenExchangeRefusesTheMessageAfterData_then400() {
        smtp.failNextData("554 5.2.0 STOREDRV.Submission.Exception:InvalidRecipientsException");
        send(Standins.MAILBOX).then().statusCode(400)
                .body("error.code", equalTo("SmtpRejected"))
                .body("detail", containsString("554 5.2.0"));
    }
}
