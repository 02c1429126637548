package io.graphmailer.adapter.out.graph;

import io.graphmailer.support.SendMailBodies;

import com.fasterxml.jackson.databind.JsonNode;
import io.graphmailer.standin.GraphFault;
import io.graphmailer.standin.GraphStandin;
import io.graphmailer.standin.Standins;
import io.graphmailer.support.StandinsResource;
import io.graphmailer.support.TestTokens;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import jakarta.inject.Inject;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.Base64;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;

/** The graph transport end to end: Key Vault certificate, MSAL token, Graph sendMail, all through the stand-ins. */
@QuarkusTest
@WithTestResource(StandinsResource.class)
class GraphTransportTest {
    private final Standins standins = Standins.shared();
    private final GraphStandin graph = standins.graph();

    @Inject
    GraphMailSender sender;
    @Inject
    GraphSentItemsWriter sentItemsCopy;
    @Inject
    GraphSentMessageLookup lookup;

    @BeforeEach
    void reset() {
        standins.reset();
        new StandinsResource().prepare(standins);
    }

    private static io.restassured.response.Response send(String mailbox, String body) {
        return given().header("Authorization", TestTokens.bearer()).contentType(ContentType.JSON).body(body)
                .when().post("/api/users/" + mailbox + "/sendMail");
    }

    @Test
    void givenSendMailTheSentItemsCopyAndTheLookup_thenTheyShareTheProcesssOneGraphClientAndItsOneOkHttpClient() {
        send(standins.mailbox(), SendMailBodies.minimal()).then().statusCode(202);
        GraphClient client = sender.graph();

        assertThat(sentItemsCopy.graph()).isSameAs(client);
        assertThat(lookup.graph()).isSameAs(client);
        assertThat(client.http()).as("built once, on the first call, and kept").isSameAs(client.http());
    }

    @Test
    void givenHtmlWithAttachmentToSharedMailbox_thenGraphReceivesExactlyTheMessage() {
        byte[] pdf = "%PDF-1.4 quarterly".getBytes(StandardCharsets.US_ASCII);
        String body = """
                {"message":{"subject":"Q3 report","body":{"contentType":"html","content":"<h1>Q3</h1>"},
                  "toRecipients":[{"emailAddress":{"address":"alice@fabrikam.example","name":"Alice"}}],
                  "ccRecipients":[{"emailAddress":{"address":"bob@fabrikam.example"}}],
                  "replyTo":[{"emailAddress":{"address":"finance@contoso.test"}}],
                  "importance":"high",
                  "internetMessageHeaders":[{"name":"x-report","value":"q3"}],
                  "attachments":[{"@odata.type":"#microsoft.graph.fileAttachment","name":"q3.pdf","contentType":"application/pdf","contentBytes":"%s"}]},
                 "saveToSentItems":false}
                """.formatted(Base64.getEncoder().encodeToString(pdf));
        String trackingId = send(StandinsResource.OTHER_MAILBOX, body).then().statusCode(202).extract().path("trackingId");

        var accepted = graph.acceptedMessages(StandinsResource.OTHER_MAILBOX);
        assertThat(accepted).hasSize(1);
        assertThat(accepted.get(0).clientRequestId()).isEqualTo(trackingId);
        JsonNode m = accepted.get(0).json().path("message");
        assertThat(m.path("subject").asText()).isEqualTo("Q3 report");
        assertThat(m.path("body").path("contentType").asText()).isEqualTo("html");
        assertThat(m.path("body").path("content").asText()).isEqualTo("<h1>Q3</h1>");
        assertThat(m.path("toRecipients").get(0).path("emailAddress").path("address").asText()).isEqualTo("alice@fabrikam.example");
        assertThat(m.path("toRecipients").get(0).path("emailAddress").path("name").asText()).isEqualTo("Alice");
        assertThat(m.path("ccRecipients").get(0).path("emailAddress").path("address").asText()).isEqualTo("bob@fabrikam.example");
        assertThat(m.path("replyTo").get(0).path("emailAddress").path("address").asText()).isEqualTo("finance@contoso.test");
        assertThat(m.path("importance").asText()).isEqualTo("high");
        assertThat(m.path("internetMessageHeaders").get(0).path("name").asText()).isEqualTo("x-report");
        JsonNode attachment = m.path("attachments").get(0);
        assertThat(attachment.path("@odata.type").asText()).isEqualTo("#microsoft.graph.fileAttachment");
        assertThat(attachment.path("name").asText()).isEqualTo("q3.pdf");
        assertThat(Base64.getDecoder().decode(attachment.path("contentBytes").asText())).isEqualTo(pdf);
        assertThat(accepted.get(0).json().path("saveToSentItems").asBoolean(true)).isFalse();
    }

    @Test
    void givenMimeForm_thenGraphReceivesTheSameMimeBytes() {
        String mime = "From: mailer@contoso.test\r\nTo: ops@fabrikam.example\r\nSubject: raw\r\n\r\nhello\r\n";
        given().header("Authorization", TestTokens.bearer()).contentType("text/plain")
                .body(Base64.getEncoder().encodeToString(mime.getBytes(StandardCharsets.US_ASCII)))
                .when().post("/api/users/" + standins.mailbox() + "/sendMail")
                .then().statusCode(202);
        var accepted = graph.acceptedMessages(standins.mailbox());
        assertThat(accepted).hasSize(1);
        assertThat(accepted.get(0).mimeText()).isEqualTo(mime);
    }

    @Test
    void givenHtmlWithATextAlternative_thenGraphGetsTheMimeFormWithBothParts() throws Exception {
        String body = """
                {"message":{"subject":"digest","body":{"contentType":"html","content":"<p>Weekly <b>digest</b></p>"},
                  "@graphMailer.textAlternative":"Weekly digest",
                  "toRecipients":[{"emailAddress":{"address":"ops@fabrikam.example"}}]}}
                """;
        send(standins.mailbox(), body).then().statusCode(202);
        var accepted = graph.acceptedMessages(standins.mailbox());
        assertThat(accepted).hasSize(1);
        jakarta.mail.internet.MimeMessage mime = new jakarta.mail.internet.MimeMessage(
                jakarta.mail.Session.getInstance(new java.util.Properties()), new java.io.ByteArrayInputStream(accepted.get(0).mime()));
        assertThat(mime.isMimeType("multipart/alternative")).isTrue();
        jakarta.mail.Multipart parts = (jakarta.mail.Multipart) mime.getContent();
        assertThat((String) parts.getBodyPart(0).getContent()).isEqualTo("Weekly digest");
        assertThat((String) parts.getBodyPart(1).getContent()).isEqualTo("<p>Weekly <b>digest</b></p>");
    }

    @Test
    void givenATextAlternativeButNoSentItemsCopy_thenTheJsonFormWithTheHtmlOnly() {
        String body = """
                {"message":{"subject":"digest","body":{"contentType":"html","content":"<p>x</p>"},
                  "@graphMailer.textAlternative":"x",
                  "toRecipients":[{"emailAddress":{"address":"ops@fabrikam.example"}}]},
                 "saveToSentItems":false}
                """;
        send(standins.mailbox(), body).then().statusCode(202);
        var accepted = graph.acceptedMessages(standins.mailbox());
        assertThat(accepted).singleElement().satisfies(m -> {
            assertThat(m.json().path("message").path("body").path("content").asText()).isEqualTo("<p>x</p>");
            assertThat(m.json().path("saveToSentItems").asBoolean(true)).isFalse();
        });
    }

    @Test
    void givenMailboxOutsideTheAppsExchangeScope_then500NamingTheScope() {
        send(StandinsResource.UNSCOPED_MAILBOX, SendMailBodies.minimal()).then().statusCode(500)
                .contentType("application/json")
                .body("error.code", equalTo("MailboxOutOfScope"))
                .body("detail", containsString("outside its Exchange RBAC management scope"));
    }

    @Test
    void givenMailboxWithoutExchangeOnline_then500NamingMailboxNotEnabled() {
        graph.disableMailbox(StandinsResource.OTHER_MAILBOX);
        try {
            send(StandinsResource.OTHER_MAILBOX, SendMailBodies.minimal()).then().statusCode(500)
                    .body("error.code", equalTo("MailboxNotEnabledForRESTAPI"))
                    .body("detail", containsString("unlicensed, inactive, soft-deleted or on-premises"));
        } finally {
            graph.addMailbox(StandinsResource.OTHER_MAILBOX);
        }
    }

    @Test
    void givenOne429_thenRetriedInRequestAndSentOnce() {
        int before = graph.sendMailRequests(standins.mailbox());
        graph.injectFaults(1, GraphFault.throttled(1));
        send(standins.mailbox(), SendMailBodies.minimal()).then().statusCode(202);
        assertThat(graph.sendMailRequests(standins.mailbox()) - before).isEqualTo(2);
        assertThat(graph.acceptedMessages(standins.mailbox())).hasSize(1);
    }

    @Test
    void givenPersistent429_then503WithRetryAfterAfterABoundedRetry() {
        int before = graph.sendMailRequests(standins.mailbox());
        graph.injectFaults(10, GraphFault.throttled(1));
        send(standins.mailbox(), SendMailBodies.minimal()).then().statusCode(503)
                .header("Retry-After", "1")
                .body("error.code", equalTo("ApplicationThrottled"));
        assertThat(graph.sendMailRequests(standins.mailbox()) - before).as("first try + 2 retries").isEqualTo(3);
        assertThat(graph.acceptedMessages(standins.mailbox())).isEmpty();
    }

    @Test
    void given429WithRetryAfterBeyondTheBound_thenNotWaitedFor() {
        int before = graph.sendMailRequests(standins.mailbox());
        graph.injectFaults(1, GraphFault.throttled(120));
        send(standins.mailbox(), SendMailBodies.minimal()).then().statusCode(503).header("Retry-After", "120");
        assertThat(graph.sendMailRequests(standins.mailbox()) - before).isEqualTo(1);
    }

    @Test
    void given503_thenNotRepeatedAndReportedAsBusy() {
        int before = graph.sendMailRequests(standins.mailbox());
        graph.injectFaults(1, GraphFault.serviceUnavailable(7));
        send(standins.mailbox(), SendMailBodies.minimal()).then().statusCode(503).header("Retry-After", "7");
        assertThat(graph.sendMailRequests(standins.mailbox()) - before).isEqualTo(1);
    }

    @Test
    void given504_thenOutcomeUnknownAndNeverRepeated() {
        int before = graph.sendMailRequests(standins.mailbox());
        graph.injectFaults(1, GraphFault.gatewayTimeout());
        send(standins.mailbox(), SendMailBodies.minimal()).then().statusCode(504)
                .body("title", containsString("may or may not have been sent"));
        assertThat(graph.sendMailRequests(standins.mailbox()) - before).isEqualTo(1);
    }

    @Test
    void givenGraphSlowerThanTheTimeout_thenOutcomeUnknownAndNotRepeated() {
        int before = graph.sendMailRequests(standins.mailbox());
        graph.injectFaults(1, GraphFault.acceptThenDelay(java.time.Duration.ofSeconds(8)));
        send(standins.mailbox(), SendMailBodies.minimal()).then().statusCode(504).body("error.code", equalTo("GraphTimeout"));
        assertThat(graph.sendMailRequests(standins.mailbox()) - before).isEqualTo(1);
    }

}
