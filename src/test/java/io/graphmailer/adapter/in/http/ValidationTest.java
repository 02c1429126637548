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
                Arguments.of("empty body", "", "body"),
                // issue 10 part 3: what a mutation fuzzer got through or turned into a 500
                Arguments.of("attachment contentType garbage", attachment("\"contentType\":\"garbage\""), "message.attachments[0].contentType"),
                Arguments.of("attachment contentType multipart", attachment("\"contentType\":\"multipart/mixed\""), "message.attachments[0].contentType"),
                Arguments.of("attachment contentType message", attachment("\"contentType\":\"message/rfc822\""), "message.attachments[0].contentType"),
                Arguments.of("attachment contentType with a bare parameter", attachment("\"contentType\":\"text/plain; charset\""), "message.attachments[0].contentType"),
                Arguments.of("attachment contentType with CRLF", attachment("\"contentType\":\"text/plain\\r\\n\""), "message.attachments[0].contentType"),
                Arguments.of("contentId with a space", attachment("\"contentId\":\"a b\""), "message.attachments[0].contentId"),
                Arguments.of("contentId with angle brackets", attachment("\"contentId\":\"<a>\""), "message.attachments[0].contentId"),
                Arguments.of("address ending in CRLF", "{\"message\":{\"toRecipients\":[{\"emailAddress\":{\"address\":\"ops@fabrikam.example\\r\\n\"}}]}}",
                        "message.toRecipients[0].emailAddress.address"),
                Arguments.of("address starting with a tab", "{\"message\":{\"toRecipients\":[{\"emailAddress\":{\"address\":\"\\tops@fabrikam.example\"}}]}}",
                        "message.toRecipients[0].emailAddress.address"),
                Arguments.of("address ending in NUL", "{\"message\":{\"toRecipients\":[{\"emailAddress\":{\"address\":\"ops@fabrikam.example\\u0000\"}}]}}",
                        "message.toRecipients[0].emailAddress.address"),
                Arguments.of("address with a C1 control", "{\"message\":{\"toRecipients\":[{\"emailAddress\":{\"address\":\"ops@fabrikam.example\\u0085\"}}]}}",
                        "message.toRecipients[0].emailAddress.address"),
                Arguments.of("display name with NUL", "{\"message\":{\"toRecipients\":[{\"emailAddress\":{\"address\":\"a@b.example\",\"name\":\"A\\u0000\"}}]}}",
                        "message.toRecipients[0].emailAddress.name"),
                Arguments.of("display name over 255 characters", "{\"message\":{\"toRecipients\":[{\"emailAddress\":{\"address\":\"a@b.example\",\"name\":\""
                        + "n".repeat(256) + "\"}}]}}", "message.toRecipients[0].emailAddress.name"),
                Arguments.of("subject with ESC", "{\"message\":{\"subject\":\"hi\\u001b[2J\"," + TO + "}}", "message.subject"),
                Arguments.of("subject with a lone surrogate", "{\"message\":{\"subject\":\"hi \\ud800\"," + TO + "}}", "message.subject"),
                Arguments.of("body with a lone surrogate", "{\"message\":{" + TO + ",\"body\":{\"content\":\"\\udc00\"}}}", "message.body.content"),
                Arguments.of("category with LF", "{\"message\":{" + TO + ",\"categories\":[\"a\\nb\"]}}", "message.categories[0]"),
                Arguments.of("header value with a trailing CR", "{\"message\":{" + TO + ",\"internetMessageHeaders\":[{\"name\":\"x-a\",\"value\":\"v\\r\"}]}}",
                        "message.internetMessageHeaders[0].value"),
                Arguments.of("header line over 998 counting its name", "{\"message\":{" + TO + ",\"internetMessageHeaders\":[{\"name\":\"x-" + "n".repeat(98)
                        + "\",\"value\":\"" + "v".repeat(897) + "\"}]}}", "message.internetMessageHeaders[0].value"),
                Arguments.of("body contentType with CRLF", "{\"message\":{" + TO + ",\"body\":{\"contentType\":\"html\\r\\n\",\"content\":\"x\"}}}",
                        "message.body.contentType"),
                Arguments.of("importance with a trailing tab", "{\"message\":{" + TO + ",\"importance\":\"high\\t\"}}", "message.importance"),
                Arguments.of("boolean for subject", "{\"message\":{\"subject\":true," + TO + "}}", "message.subject"),
                Arguments.of("fraction for subject", "{\"message\":{\"subject\":1.5," + TO + "}}", "message.subject"),
                Arguments.of("integer for an address", "{\"message\":{\"toRecipients\":[{\"emailAddress\":{\"address\":42}}]}}",
                        "message.toRecipients[0].emailAddress.address"),
                Arguments.of("boolean for a category", "{\"message\":{" + TO + ",\"categories\":[false]}}", "message.categories[0]"),
                Arguments.of("number for a header value", "{\"message\":{" + TO + ",\"internetMessageHeaders\":[{\"name\":\"x-a\",\"value\":7}]}}",
                        "message.internetMessageHeaders[0].value"),
                Arguments.of("number for isInline", attachment("\"isInline\":1"), "message.attachments[0].isInline"),
                Arguments.of("number for saveToSentItems", "{\"message\":{" + TO + "},\"saveToSentItems\":0}", "saveToSentItems"),
                Arguments.of("object for subject", "{\"message\":{\"subject\":{\"a\":1}," + TO + "}}", "message.subject"));
    }

    private static String attachment(String extra) {
        return "{\"message\":{" + TO + ",\"attachments\":[{\"@odata.type\":\"#microsoft.graph.fileAttachment\",\"name\":\"a.txt\","
                + "\"contentBytes\":\"YQ==\"," + extra + "}]}}";
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

    static Stream<Arguments> malformedUtf8() {
        return Stream.of(
                Arguments.of("overlong '/' (C0 AF)", new byte[] {(byte) 0xc0, (byte) 0xaf}),
                Arguments.of("overlong three-byte NUL (E0 80 80)", new byte[] {(byte) 0xe0, (byte) 0x80, (byte) 0x80}),
                Arguments.of("encoded lone surrogate (ED A0 80)", new byte[] {(byte) 0xed, (byte) 0xa0, (byte) 0x80}),
                Arguments.of("invalid byte FF", new byte[] {(byte) 0xff}),
                Arguments.of("truncated sequence", new byte[] {(byte) 0xe2, (byte) 0x82}),
                Arguments.of("beyond U+10FFFF (F4 90 80 80)", new byte[] {(byte) 0xf4, (byte) 0x90, (byte) 0x80, (byte) 0x80}));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("malformedUtf8")
    void givenJsonWithMalformedUtf8InAString_thenProblemNamesTheBodyAndNothingIsSent(String what, byte[] bad) {
        byte[] head = ("{\"message\":{" + TO + ",\"subject\":\"a").getBytes(StandardCharsets.UTF_8);
        byte[] tail = "b\"}}".getBytes(StandardCharsets.UTF_8);
        byte[] body = new byte[head.length + bad.length + tail.length];
        System.arraycopy(head, 0, body, 0, head.length);
        System.arraycopy(bad, 0, body, head.length, bad.length);
        System.arraycopy(tail, 0, body, head.length + bad.length, tail.length);
        given().header("Authorization", TestTokens.bearer()).accept("application/problem+json").contentType(ContentType.JSON).body(body)
                .when().post("/api/users/noreply@contoso.example/sendMail")
                .then().statusCode(400).contentType("application/problem+json")
                .body("errors[0].field", equalTo("body"))
                .body("errors[0].message", containsString("UTF-8"));
        assertThat(Outbox.files()).as(what).isEmpty();
    }

    @Test
    void givenBooleansAsStringsAndAByteOrderMark_thenAcceptedAsGraphAcceptsThem() throws Exception {
        String json = "\uFEFF{\"message\":{" + TO + ",\"isReadReceiptRequested\":\"true\",\"attachments\":[{\"@odata.type\":"
                + "\"#microsoft.graph.fileAttachment\",\"name\":\"a.png\",\"contentType\":\"image/png\",\"contentBytes\":\"YQ==\","
                + "\"isInline\":\"false\"}]},\"saveToSentItems\":\"false\"}";
        given().header("Authorization", TestTokens.bearer()).contentType(ContentType.JSON).body(json.getBytes(StandardCharsets.UTF_8))
                .when().post("/api/users/noreply@contoso.example/sendMail")
                .then().statusCode(202);
        assertThat(Outbox.only().getHeader("Disposition-Notification-To", null)).contains("noreply@contoso.example");
    }

    static Stream<Arguments> invalidMime() {
        String head = "From: noreply@contoso.example\r\nTo: ops@fabrikam.example\r\n";
        return Stream.of(
                Arguments.of("a header line over 998 characters", (head + "Subject: " + "s".repeat(990) + "\r\n\r\nbody\r\n")
                        .getBytes(StandardCharsets.US_ASCII), "body"),
                Arguments.of("a body line over 998 characters", (head + "Subject: x\r\n\r\n" + "b".repeat(999) + "\r\n")
                        .getBytes(StandardCharsets.US_ASCII), "body"),
                Arguments.of("a UTF-8 text part with an overlong byte sequence", concat((head + "Subject: x\r\nContent-Type: text/plain; charset=utf-8\r\n"
                        + "Content-Transfer-Encoding: 8bit\r\n\r\na").getBytes(StandardCharsets.US_ASCII), new byte[] {(byte) 0xc0, (byte) 0xaf, '\r', '\n'}), "mime"),
                Arguments.of("a quoted-printable UTF-8 part with a lone surrogate", (head + "Subject: x\r\nContent-Type: text/plain; charset=UTF-8\r\n"
                        + "Content-Transfer-Encoding: quoted-printable\r\n\r\na=ED=A0=80b\r\n").getBytes(StandardCharsets.US_ASCII), "mime"),
                Arguments.of("an encoded-word subject with malformed UTF-8", (head + "Subject: =?UTF-8?B?wK8=?=\r\n\r\nbody\r\n")
                        .getBytes(StandardCharsets.US_ASCII), "mime.Subject"),
                Arguments.of("a raw 8-bit header that is not UTF-8", concat((head + "Subject: caf").getBytes(StandardCharsets.US_ASCII),
                        new byte[] {(byte) 0xe9, '\r', '\n', '\r', '\n', 'b', '\r', '\n'}), "mime"),
                Arguments.of("a text body in an unknown charset", (head + "Subject: x\r\nContent-Type: text/plain; charset=u\r\n\r\nbody\r\n")
                        .getBytes(StandardCharsets.US_ASCII), "mime"),
                Arguments.of("a Content-Type with a NUL", (head + "Subject: x\r\nContent-Type: text/plain\u0000\r\n\r\nbody\r\n")
                        .getBytes(StandardCharsets.US_ASCII), "mime"),
                Arguments.of("a multipart part whose Content-Type does not parse", (head + "Subject: x\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n"
                        + "--b\r\nContent-Type: text/plain; charset\r\n\r\nx\r\n--b--\r\n").getBytes(StandardCharsets.US_ASCII), "mime"),
                Arguments.of("a header line that is no header", (head + "Content-Type: text/plain; \r\ncharset=utf-8\r\n\r\nbody\r\n")
                        .getBytes(StandardCharsets.US_ASCII), "mime"),
                Arguments.of("a body whose transfer encoding does not decode", (head + "Content-Transfer-Encoding: x-uuencode\r\n\r\nnot uuencoded\r\n")
                        .getBytes(StandardCharsets.US_ASCII), "body"),
                Arguments.of("a raw control character in a header", (head + "Subject: a\u0007b\r\n\r\nbody\r\n")
                        .getBytes(StandardCharsets.US_ASCII), "mime"),
                Arguments.of("an encoded-word subject decoding to a control character", (head + "Subject: =?UTF-8?Q?a=07b?=\r\n\r\nbody\r\n")
                        .getBytes(StandardCharsets.US_ASCII), "subject"),
                Arguments.of("a display name with an encoded control character", ("From: noreply@contoso.example\r\nTo: =?UTF-8?Q?A=07B?= <ops@fabrikam.example>\r\n"
                        + "Subject: x\r\n\r\nbody\r\n").getBytes(StandardCharsets.US_ASCII), "mime.To.name"));
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] out = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("invalidMime")
    void givenInvalidMimeForm_thenProblemNamesTheFieldAndNothingIsSent(String what, byte[] mime, String field) {
        given().header("Authorization", TestTokens.bearer()).accept("application/problem+json").contentType("text/plain")
                .body(Base64.getEncoder().encodeToString(mime))
                .when().post("/api/users/noreply@contoso.example/sendMail")
                .then().statusCode(400).contentType("application/problem+json")
                .body("errors.field", hasItem(field));
        assertThat(Outbox.files()).as(what).isEmpty();
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
