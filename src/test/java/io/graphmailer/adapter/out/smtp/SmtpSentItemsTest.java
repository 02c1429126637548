package io.graphmailer.adapter.out.smtp;

import io.graphmailer.standin.GraphStandin;
import io.graphmailer.standin.SmtpStandin;
import io.graphmailer.standin.Standins;
import io.graphmailer.support.SmtpStandinsResource;
import io.graphmailer.support.TestTokens;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import jakarta.inject.Inject;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;

/** graph-mailer.smtp.save-to-sent-items: after the SMTP send, a copy is created in Sent Items through Graph. */
@QuarkusTest
@WithTestResource(value = SmtpStandinsResource.class, initArgs = @ResourceArg(name = "saveToSentItems", value = "true"))
class SmtpSentItemsTest {
    private final Standins standins = Standins.shared();
    private final SmtpStandin smtp = SmtpStandin.shared();

    @Inject
    SmtpMailSender smtpSender;

    @BeforeEach
    void reset() {
        standins.reset();
        new SmtpStandinsResource().saveToSentItems(true).prepare(standins);
        smtpSender.close();
    }

    private static io.restassured.response.Response send(String saveToSentItems) {
        String body = """
                {"message":{"subject":"Invoice 42","body":{"contentType":"html","content":"<p>due</p>"},
                  "toRecipients":[{"emailAddress":{"address":"ops@fabrikam.example"}}],
                  "bccRecipients":[{"emailAddress":{"address":"audit@fabrikam.example"}}]}%s}
                """.formatted(saveToSentItems == null ? "" : ",\"saveToSentItems\":" + saveToSentItems);
        return given().header("Authorization", TestTokens.bearer()).contentType(ContentType.JSON).body(body)
                .when().post("/api/users/" + Standins.MAILBOX + "/sendMail");
    }

    @Test
    void givenTheOptionOn_thenACopyMarkedAsSentIsCreatedInSentItemsAfterTheSmtpSend() {
        String trackingId = send(null).then().statusCode(202).extract().path("trackingId");

        assertThat(smtp.received()).hasSize(1);
        assertThat(standins.graph().sentItems()).hasSize(1);
        GraphStandin.SavedItem copy = standins.graph().sentItems().get(0);
        assertThat(copy.mailbox()).isEqualTo(Standins.MAILBOX);
        assertThat(copy.clientRequestId()).isEqualTo(trackingId);
        assertThat(copy.isDraft()).as("PR_MESSAGE_FLAGS set: shown as sent").isFalse();
        assertThat(copy.json().path("subject").asText()).isEqualTo("Invoice 42");
        assertThat(copy.json().path("bccRecipients").get(0).path("emailAddress").path("address").asText())
                .isEqualTo("audit@fabrikam.example");
        assertThat(standins.graph().acceptedMessages()).as("not sent through Graph").isEmpty();
    }

    @Test
    void givenTheCallerAsksNotToSave_thenNoCopy() {
        send("false").then().statusCode(202);
        assertThat(smtp.received()).hasSize(1);
        assertThat(standins.graph().sentItems()).isEmpty();
    }

    @Test
    void givenGraphRefusesTheCopy_thenTheSendStillSucceeds() {
        standins.graph().disableMailbox(Standins.MAILBOX);
        send(null).then().statusCode(202);
        assertThat(smtp.received()).hasSize(1);
        assertThat(standins.graph().sentItems()).isEmpty();
    }
}
