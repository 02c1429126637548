package io.graphmailer.adapter.in.http;

import io.graphmailer.support.Outbox;
import io.graphmailer.support.TestTokens;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import java.util.stream.Stream;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;

/** One test per rule Graph or Exchange would enforce; each proves nothing reached the outbox. */
@QuarkusTest
class ValidationTest {
    private static final String TO = "\"toRecipients\":[{\"emailAddress\":{\"address\":\"ops@fabrikam.example\"}}]";

    @BeforeEach
    void clean() {
        Outbox.clear();
    }

    static Stream<Arguments> invalidJson() {
        String many = IntStream.range(0, 501).mapToObj(i -> "{\"emailAddress\":{\"address\":\"u" + i + "@fabrikam.example\"}}")
                .collect(Collectors.joining(",", "[", "]"));
        String deep = "{\"@odata.context\":" + "[".repeat(40) + "]".repeat(40) + "}";
        return Stream.of(
                Arguments.of("no recipients", "{\"message\":{\"subject\":\"s\"}}", "message.toRecipients"),
                Arguments.of("501 recipients", "{\"message\":{\"toRecipients\":" + many + "}}", "message.toRecipients"),
                Arguments.of("invalid address", "{\"message\":{\"toRecipients\":[{\"emailAddress\":{\"address\":\"not-an-address\"}}]}}",
                        "message.toRecipients[0].emailAddress.address"),
                Arguments.of("address with CRLF", "{\"message\":{\"toRecipients\":[{\"emailAddress\":{\"address\":\"a@b.example\\r\\nBcc: x@y.example\"}}]}}",
                        "message.toRecipients[0].emailAddress.address"),
                Arguments.of("recipient without emailAddress", "{\"message\":{\"ccRecipients\":[{}]," + TO + "}}",
                        "message.ccRecipients[0].emailAddress"),
                Arguments.of("display name with CRLF", "{\"message\":{\"toRecipients\":[{\"emailAddress\":{\"address\":\"a@b.example\",\"name\":\"A\\nB\"}}]}}",
                        "message.toRecipients[0].emailAddress.name"),
                Arguments.of("subject with CRLF", "{\"message\":{\"subject\":\"hi\\r\\nBcc: evil@x.example\"," + TO + "}}", "message.subject"),
                Arguments.of("custom header without x-", "{\"message\":{" + TO + ",\"internetMessageHeaders\":[{\"name\":\"Reply-To\",\"value\":\"v\"}]}}",
                        "message.internetMessageHeaders[0].name"),
                Arguments.of("custom header value with LF", "{\"message\":{" + TO + ",\"internetMessageHeaders\":[{\"name\":\"x-a\",\"value\":\"v\\nBcc: e@x.example\"}]}}",
                        "message.internetMessageHeaders[0].value"),
                Arguments.of("custom header name with space", "{\"message\":{" + TO + ",\"internetMessageHeaders\":[{\"name\":\"x-a b\",\"value\":\"v\"}]}}",
                        "message.internetMessageHeaders[0].name"),
                Arguments.of("unknown body content type", "{\"message\":{" + TO + ",\"body\":{\"contentType\":\"markdown\",\"content\":\"x\"}}}",
                        "message.body.contentType"),
                Arguments.of("text alternative to a text body", "{\"message\":{" + TO + ",\"@graphMailer.textAlternative\":\"x\"}}",
                        "message.@graphMailer.textAlternative"),
                Arguments.of("unknown importance", "{\"message\":{" + TO + ",\"importance\":\"urgent\"}}", "message.importance"),
                Arguments.of("invalid base64", "{\"message\":{" + TO + ",\"attachments\":[{\"@odata.type\":\"#microsoft.graph.fileAttachment\",\"name\":\"a.txt\",\"contentBytes\":\"***\"}]}}",
                        "message.attachments[0].contentBytes"),
                Arguments.of("attachment without type", "{\"message\":{" + TO + ",\"attachments\":[{\"name\":\"a.txt\",\"contentBytes\":\"YQ==\"}]}}",
                        "message.attachments[0].@odata.type"),
                Arguments.of("item attachment", "{\"message\":{" + TO + ",\"attachments\":[{\"@odata.type\":\"#microsoft.graph.itemAttachment\",\"name\":\"a\"}]}}",
                        "message.attachments[0].@odata.type"),
                Arguments.of("attachment without name", "{\"message\":{" + TO + ",\"attachments\":[{\"@odata.type\":\"#microsoft.graph.fileAttachment\",\"contentBytes\":\"YQ==\"}]}}",
                        "message.attachments[0].name"),
                Arguments.of("attachment name with path", "{\"message\":{" + TO + ",\"attachments\":[{\"@odata.type\":\"#microsoft.graph.fileAttachment\",\"name\":\"../../etc/passwd\",\"contentBytes\":\"YQ==\"}]}}",
                        "message.attachments[0].name"),
                Arguments.of("inline attachment without contentId", "{\"message\":{" + TO + ",\"attachments\":[{\"@odata.type\":\"#microsoft.graph.fileAttachment\",\"name\":\"a.png\",\"contentBytes\":\"YQ==\",\"isInline\":true}]}}",
                        "message.attachments[0].contentId"),
                Arguments.of("unknown property", "{\"message\":{" + TO + ",\"flagStatus\":\"x\"}}", "message.flagStatus"),
                Arguments.of("wrong type for recipients", "{\"message\":{\"toRecipients\":\"ops@fabrikam.example\"}}", "message.toRecipients"),
                Arguments.of("wrong type for saveToSentItems", "{\"message\":{" + TO + "},\"saveToSentItems\":[1]}", "saveToSentItems"),
                Arguments.of("message missing", "{\"saveToSentItems\":true}", "message"),
                Arguments.of("not JSON", "{\"message\": {", "body"),
                Arguments.of("trailing garbage", "{\"message\":{" + TO + "}} {}", "body"),
                Arguments.of("hostile nesting", deep, "body"),
                Arguments.of("JSON array instead of object", "[]", "body"),
                Arguments.of("empty body", "", "body"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("invalidJson")
    void givenInvalidJson_thenProblemNamesTheFieldAndNothingIsSent(String rule, String body, String field) {
        given().header("Authorization", TestTokens.bearer()).contentType(ContentType.JSON).body(body.getBytes(StandardCharsets.UTF_8))
                .when().post("/api/users/noreply@contoso.example/sendMail")
                .then().statusCode(400)
                .contentType("application/json")
                .body("status", equalTo(400))
                .body("errors.field", hasItem(field))
                .body("error.code", equalTo("ErrorInvalidRequest"));
        assertThat(Outbox.files()).as(rule).isEmpty();
    }

    @Test
    void givenBodyOverTheRequestLimit_then413WithoutReadingIt() {
        byte[] body = new byte[4 * 1024 * 1024 + 1];
        java.util.Arrays.fill(body, (byte) ' ');
        given().header("Authorization", TestTokens.bearer()).accept("application/problem+json").contentType(ContentType.JSON).body(body)
                .when().post("/api/users/noreply@contoso.example/sendMail")
                .then().statusCode(413).contentType("application/problem+json")
                .body("error.code", equalTo("RequestEntityTooLarge"));
        assertThat(Outbox.files()).isEmpty();
    }

    @Test
    void givenMimeFormThatIsNotBase64_thenProblemNamesTheBody() {
        given().header("Authorization", TestTokens.bearer()).contentType("text/plain").body("this is not base64 !!!")
                .when().post("/api/users/noreply@contoso.example/sendMail")
                .then().statusCode(400).contentType("application/json").body("errors[0].field", equalTo("body"));
        assertThat(Outbox.files()).isEmpty();
    }

    @Test
    void givenMimeFormWithoutRecipients_thenRefused() {
        String mime = "From: noreply@contoso.example\r\nSubject: x\r\n\r\nbody\r\n";
        given().header("Authorization", TestTokens.bearer()).contentType("text/plain")
                .body(Base64.getEncoder().encodeToString(mime.getBytes(StandardCharsets.US_ASCII)))
                .when().post("/api/users/noreply@contoso.example/sendMail")
                .then().statusCode(400).body("errors[0].field", equalTo("toRecipients"));
        assertThat(Outbox.files()).isEmpty();
    }

    @Test
    void givenMimeFormWithInvalidRecipient_thenRefusedNamingTheHeader() {
        String mime = "From: noreply@contoso.example\r\nTo: broken@@fabrikam\r\nSubject: x\r\n\r\nbody\r\n";
        given().header("Authorization", TestTokens.bearer()).contentType("text/plain")
                .body(Base64.getEncoder().encodeToString(mime.getBytes(StandardCharsets.US_ASCII)))
                .when().post("/api/users/noreply@contoso.example/sendMail")
                .then().statusCode(400).body("errors[0].field", containsString("mime.To"));
        assertThat(Outbox.files()).isEmpty();
    }

    @Test
    void givenUnsupportedContentType_then415Problem() {
        given().header("Authorization", TestTokens.bearer()).accept("application/problem+json").contentType("application/xml").body("<x/>")
                .when().post("/api/users/noreply@contoso.example/sendMail")
                .then().statusCode(415).contentType("application/problem+json").body("errors[0].field", equalTo("Content-Type"));
        assertThat(Outbox.files()).isEmpty();
    }

    @Test
    void givenManyProblems_thenAllAreListed() {
        String body = "{\"message\":{\"subject\":\"a\\nb\",\"toRecipients\":[{\"emailAddress\":{\"address\":\"bad\"}}],\"importance\":\"x\"}}";
        given().header("Authorization", TestTokens.bearer()).contentType(ContentType.JSON).body(body)
                .when().post("/api/users/noreply@contoso.example/sendMail")
                .then().statusCode(400)
                .body("errors.field", hasItem("message.toRecipients[0].emailAddress.address"))
                .body("errors.field", hasItem("message.importance"));
        assertThat(Outbox.files()).isEmpty();
    }
}
