package io.graphmailer.adapter.in.http;

import io.graphmailer.support.Outbox;
import io.graphmailer.support.TestTokens;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import jakarta.mail.BodyPart;
import jakarta.mail.Message;
import jakarta.mail.Multipart;
import jakarta.mail.Part;
import jakarta.mail.internet.InternetAddress;
import jakarta.mail.internet.MimeMessage;
import jakarta.mail.internet.MimeUtility;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.matchesPattern;
import static org.hamcrest.Matchers.not;

@QuarkusTest
class SendMailApiTest {
    private static final byte[] PDF = "%PDF-1.4 fake report \u0000\u0001\u0002".getBytes(StandardCharsets.ISO_8859_1);
    private static final byte[] PNG = new byte[]{(byte) 0x89, 'P', 'N', 'G', 13, 10, 26, 10, 0, 0, 0, 13};

    @BeforeEach
    void clean() {
        Outbox.clear();
    }

    @Test
    void givenGraphJsonWithHtmlAttachmentsAndUnicode_thenAcceptedAndTheEmlMatchesTheRequest() throws Exception {
        String body = """
                {"message":{
                  "subject":"Rapport trimestriel – Q3 ✓ 日本語",
                  "body":{"contentType":"HTML","content":"<p>Bonjour <b>équipe</b> <img src=\\"cid:logo\\"></p>"},
                  "toRecipients":[{"emailAddress":{"address":"alice@fabrikam.example","name":"Alice Müller"}}],
                  "ccRecipients":[{"emailAddress":{"address":"bob@fabrikam.example"}}],
                  "bccRecipients":[{"emailAddress":{"address":"audit@contoso.example"}}],
                  "replyTo":[{"emailAddress":{"address":"finance@contoso.example","name":"Finance"}}],
                  "importance":"High",
                  "internetMessageHeaders":[{"name":"x-report-id","value":"Q3-2026"}],
                  "attachments":[
                    {"@odata.type":"#microsoft.graph.fileAttachment","name":"rapport-été.pdf","contentType":"application/pdf","contentBytes":"%s"},
                    {"@odata.type":"#microsoft.graph.fileAttachment","name":"logo.png","contentType":"image/png","contentBytes":"%s","isInline":true,"contentId":"logo"}
                  ]},
                 "saveToSentItems":"false"}
                """.formatted(Base64.getEncoder().encodeToString(PDF), Base64.getEncoder().encodeToString(PNG));

        String trackingId = given().header("Authorization", TestTokens.bearer())
                .contentType(ContentType.JSON).body(body)
                .when().post("/api/users/shared-finance@contoso.example/sendMail")
                .then().statusCode(202)
                .contentType(ContentType.JSON)
                .body("status", equalTo("accepted"))
                .body("trackingId", matchesPattern("[0-9a-f-]{36}"))
                .header("client-request-id", matchesPattern("[0-9a-f-]{36}"))
                .extract().path("trackingId");

        MimeMessage eml = Outbox.only();
        assertThat(eml.getSubject()).isEqualTo("Rapport trimestriel – Q3 ✓ 日本語");
        assertThat(eml.getFrom()).extracting(a -> ((InternetAddress) a).getAddress()).containsExactly("shared-finance@contoso.example");
        assertThat(addresses(eml, Message.RecipientType.TO)).containsExactly("\"Alice Müller\" <alice@fabrikam.example>");
        assertThat(addresses(eml, Message.RecipientType.CC)).containsExactly("bob@fabrikam.example");
        assertThat(addresses(eml, Message.RecipientType.BCC)).containsExactly("audit@contoso.example");
        assertThat(eml.getReplyTo()).extracting(a -> ((InternetAddress) a).getAddress()).containsExactly("finance@contoso.example");
        assertThat(eml.getHeader("Importance", null)).isEqualTo("high");
        assertThat(eml.getHeader("x-report-id", null)).isEqualTo("Q3-2026");
        assertThat(eml.getHeader("X-Graph-Mailer-Tracking-Id", null)).isEqualTo(trackingId);

        assertThat(eml.isMimeType("multipart/mixed")).isTrue();
        Multipart mixed = (Multipart) eml.getContent();
        assertThat(mixed.getCount()).isEqualTo(2);
        BodyPart relatedPart = mixed.getBodyPart(0);
        assertThat(relatedPart.isMimeType("multipart/related")).isTrue();
        Multipart related = (Multipart) relatedPart.getContent();
        assertThat(related.getBodyPart(0).isMimeType("text/html")).isTrue();
        assertThat((String) related.getBodyPart(0).getContent()).isEqualTo("<p>Bonjour <b>équipe</b> <img src=\"cid:logo\"></p>");
        BodyPart logo = related.getBodyPart(1);
        assertThat(logo.getDisposition()).isEqualTo(Part.INLINE);
        assertThat(logo.getHeader("Content-ID")[0]).isEqualTo("<logo>");
        assertThat(bytes(logo)).isEqualTo(PNG);
        BodyPart pdf = mixed.getBodyPart(1);
        assertThat(pdf.getDisposition()).isEqualTo(Part.ATTACHMENT);
        assertThat(MimeUtility.decodeText(pdf.getFileName())).isEqualTo("rapport-été.pdf");
        assertThat(pdf.isMimeType("application/pdf")).isTrue();
        assertThat(bytes(pdf)).isEqualTo(PDF);
    }

    @Test
    void givenPlainTextMessageWithLenientCasing_thenAcceptedAsGraphWould() throws Exception {
        String body = """
                {"Message":{"SUBJECT":"ping","Body":{"ContentType":"text","Content":"hello"},
                  "ToRecipients":[{"EmailAddress":{"Address":"ops@fabrikam.example"}}],"importance":"LOW"},
                 "SaveToSentItems":"TRUE"}
                """;
        given().header("Authorization", TestTokens.bearer()).contentType("application/json; charset=utf-8").body(body)
                .when().post("/api/users/NoReply@Contoso.example/sendMail")
                .then().statusCode(202);

        MimeMessage eml = Outbox.only();
        assertThat(eml.getSubject()).isEqualTo("ping");
        assertThat(eml.isMimeType("text/plain")).isTrue();
        assertThat(((String) eml.getContent()).trim()).isEqualTo("hello");
        assertThat(eml.getHeader("Importance", null)).isEqualTo("low");
    }

    @Test
    void givenHtmlWithATextAlternative_thenTheEmlIsMultipartAlternativeTextFirst() throws Exception {
        String body = """
                {"message":{"subject":"both","body":{"contentType":"html","content":"<p>Hi <b>there</b></p>"},
                  "@graphMailer.textAlternative":"Hi there",
                  "toRecipients":[{"emailAddress":{"address":"ops@fabrikam.example"}}]}}
                """;
        given().header("Authorization", TestTokens.bearer()).contentType(ContentType.JSON).body(body)
                .when().post("/api/users/noreply@contoso.example/sendMail")
                .then().statusCode(202);
        MimeMessage eml = Outbox.only();
        assertThat(eml.isMimeType("multipart/alternative")).isTrue();
        Multipart alternative = (Multipart) eml.getContent();
        assertThat(alternative.getCount()).isEqualTo(2);
        assertThat(alternative.getBodyPart(0).isMimeType("text/plain")).isTrue();
        assertThat((String) alternative.getBodyPart(0).getContent()).isEqualTo("Hi there");
        assertThat(alternative.getBodyPart(1).isMimeType("text/html")).isTrue();
        assertThat((String) alternative.getBodyPart(1).getContent()).isEqualTo("<p>Hi <b>there</b></p>");
    }

    @Test
    void givenCallerClientRequestId_thenItIsEchoedAndTheMessageGetsItsOwnTrackingId() throws Exception {
        String id = "0f8fad5b-d9cb-469f-a165-70867728950e";
        var response = given().header("Authorization", TestTokens.bearer()).header("client-request-id", id)
                .contentType(ContentType.JSON).body(minimal())
                .when().post("/api/users/noreply@contoso.example/sendMail")
                .then().statusCode(202).header("client-request-id", id)
                .body("trackingId", matchesPattern("[0-9a-f-]{36}")).body("trackingId", not(equalTo(id)))
                .extract();
        String trackingId = response.path("trackingId");
        assertThat(response.header("request-id")).isEqualTo(trackingId);
        assertThat(Outbox.only().getHeader("X-Graph-Mailer-Tracking-Id", null)).isEqualTo(trackingId);
    }

    @Test
    void givenNoCallerClientRequestId_thenClientRequestIdEqualsRequestIdAsGraphAnswers() {
        var response = given().header("Authorization", TestTokens.bearer())
                .contentType(ContentType.JSON).body(minimal())
                .when().post("/api/users/noreply@contoso.example/sendMail")
                .then().statusCode(202).extract();
        assertThat(response.header("request-id")).isEqualTo(response.<String>path("trackingId"));
        assertThat(response.header("client-request-id")).isEqualTo(response.header("request-id"));
    }

    @Test
    void givenMimeForm_thenTheMessageIsPassedOnUnchanged() throws Exception {
        String mime = "From: noreply@contoso.example\r\nTo: \"Zoë\" <zoe@fabrikam.example>\r\nSubject: =?UTF-8?B?" 
                + Base64.getEncoder().encodeToString("Grüße".getBytes(StandardCharsets.UTF_8)) + "?=\r\n"
                + "MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nHallo\r\n";
        byte[] raw = mime.getBytes(StandardCharsets.UTF_8);
        given().header("Authorization", TestTokens.bearer()).contentType("text/plain")
                .body(Base64.getEncoder().encodeToString(raw))
                .when().post("/api/users/noreply@contoso.example/sendMail")
                .then().statusCode(202);

        assertThat(Outbox.files()).hasSize(1);
        assertThat(java.nio.file.Files.readAllBytes(Outbox.files().get(0))).isEqualTo(raw);
        assertThat(Outbox.only().getSubject()).isEqualTo("Grüße");
    }

    static String minimal() {
        return """
                {"message":{"subject":"s","body":{"contentType":"Text","content":"c"},
                  "toRecipients":[{"emailAddress":{"address":"ops@fabrikam.example"}}]}}
                """;
    }

    private static List<String> addresses(MimeMessage m, Message.RecipientType type) throws Exception {
        List<String> out = new ArrayList<>();
        if (m.getRecipients(type) != null) {
            for (var a : m.getRecipients(type)) {
                out.add(((InternetAddress) a).toUnicodeString());
            }
        }
        return out;
    }

    private static byte[] bytes(Part p) throws Exception {
        try (InputStream in = p.getInputStream()) {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            in.transferTo(out);
            return out.toByteArray();
        }
    }
}
