package io.graphmailer.attack;

import com.azure.storage.blob.BlobContainerClient;
import com.azure.storage.blob.BlobContainerClientBuilder;
import com.azure.storage.queue.QueueClient;
import com.azure.storage.queue.models.QueueMessageItem;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.azure.core.util.BinaryData;
import io.graphmailer.standin.GraphStandin;
import io.graphmailer.standin.IdentityPlatformStandin;
import io.graphmailer.standin.Standins;
import io.graphmailer.support.Azurite;
import io.graphmailer.support.AzuriteResource;
import io.graphmailer.support.BlobAttachmentsResource;
import io.graphmailer.support.FunctionsHostDriver;
import io.graphmailer.support.TestTokens;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.response.Response;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Named;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;
import java.util.function.Supplier;
import java.util.stream.Stream;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * "Never an open relay", attacked as an outsider would: forged and mis-claimed caller tokens, spoofed sender fields in
 * both request forms and on both triggers, look-alike spellings of allowed mailboxes, and blob references that try to
 * leave the allowed container. Every case asserts the status (a problem naming the field where there is one) and that
 * the Graph stand-in saw no request at all. The few controls (marked "control") show the same harness does send when
 * the request is legitimate, so no case passes only because nothing could ever be sent.
 */
@QuarkusTest
@WithTestResource(AttackResource.class)
@WithTestResource(value = AzuriteResource.class, initArgs = @ResourceArg(name = "name", value = "attack"))
@WithTestResource(BlobAttachmentsResource.class)
class OpenRelayAttackTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String MAILBOX = Standins.MAILBOX;           // mailer@contoso.test, allowed
    private static final String SHARED = AttackResource.SHARED;       // allowed; MAILBOX may send as it
    private static final String KIOSK = AttackResource.KIOSK;         // allowed; nobody may send as it
    private static final String STRANGER = "finance@contoso.test";    // not allowed
    private static final String QUEUE = AzuriteResource.queueName("attack");

    @TestHTTPResource("/OutboxQueue")
    URI handler;

    private final Standins standins = Standins.shared();

    @BeforeAll
    static void blobs() {
        String cs = Azurite.shared().connectionString();
        for (String[] blob : new String[][]{{BlobAttachmentsResource.CONTAINER, "ok.txt"}, {"secrets", "secret.txt"},
                {BlobAttachmentsResource.CONTAINER + "-evil", "secret.txt"}}) {
            BlobContainerClient c = new BlobContainerClientBuilder().connectionString(cs).containerName(blob[0]).buildClient();
            c.createIfNotExists();
            c.getBlobClient(blob[1]).upload(BinaryData.fromString("content of " + blob[0] + "/" + blob[1]), true);
        }
    }

    @BeforeEach
    void reset() {
        standins.reset();
        new AttackResource().prepare(standins);
        standins.graph().addMailbox(KIOSK);
        standins.graph().restrictApp(Standins.CLIENT_ID, Set.of(MAILBOX, SHARED, KIOSK));
        // Attachments by reference go as a draft, which needs Mail.ReadWrite (the blob control sends one).
        standins.identity().tokenLifetime(Duration.ofSeconds(60));
        standins.identity().grantRoles(Standins.CLIENT_ID, IdentityPlatformStandin.GRAPH_RESOURCE,
                Set.of(GraphStandin.MAIL_SEND, GraphStandin.MAIL_READ_WRITE));
    }

    // ---------------------------------------------------------------- helpers

    static String message(String extra) {
        return "{\"message\":{\"subject\":\"attack\",\"body\":{\"contentType\":\"text\",\"content\":\"hello\"},"
                + "\"toRecipients\":[{\"emailAddress\":{\"address\":\"victim@fabrikam.example\"}}]" + extra + "}}";
    }

    static String address(String property, String address) {
        return ",\"" + property + "\":{\"emailAddress\":{\"name\":\"Finance\",\"address\":\"" + address + "\"}}";
    }

    private static Response post(String rawMailbox, String authorization, String contentType, String body) {
        var request = given().urlEncodingEnabled(false).contentType(contentType).body(body);
        if (authorization != null) {
            request.header("Authorization", authorization);
        }
        return request.when().post("/api/users/" + rawMailbox + "/sendMail");
    }

    private static Response postJson(String rawMailbox, String body) {
        return post(rawMailbox, TestTokens.bearer(), "application/json", body);
    }

    private static Response postMime(String rawMailbox, String mime) {
        return post(rawMailbox, TestTokens.bearer(), "text/plain",
                Base64.getEncoder().encodeToString(mime.getBytes(StandardCharsets.UTF_8)));
    }

    private void assertRefused(Response response, int status, String field) {
        // A Graph client's default (no Accept): Graph's error envelope with the problem fields beside it.
        response.then().statusCode(status).contentType("application/json");
        assertThat(response.jsonPath().getString("error.code")).as(response.asString()).isNotBlank();
        assertThat(response.jsonPath().getInt("status")).as(response.asString()).isEqualTo(status);
        if (field != null) {
            assertThat(response.jsonPath().getList("errors.field", String.class)).as(response.asString()).contains(field);
        }
        assertThat(standins.graph().requests()).as("Graph saw nothing").isEmpty();
    }

    private void assertSentOnce() {
        assertThat(standins.graph().acceptedMessages()).hasSize(1);
    }

    /** Percent-encodes non-ASCII and characters a request line cannot carry; leaves '%' so cases write their own. */
    static String path(String mailbox) {
        StringBuilder sb = new StringBuilder();
        for (byte b : mailbox.getBytes(StandardCharsets.UTF_8)) {
            int c = b & 0xff;
            if (c <= 0x20 || c >= 0x7f || "\"<>\\^`{|}#?".indexOf(c) >= 0) {
                sb.append('%').append(String.format("%02X", c));
            } else {
                sb.append((char) c);
            }
        }
        return sb.toString();
    }

    private static Arguments refused(String name, Object input, int status, String field) {
        return Arguments.of(Named.of(name, input), status, field);
    }

    // ---------------------------------------------------------------- 1. caller tokens

    static Stream<Arguments> forgedTokens() {
        long now = Instant.now().getEpochSecond();
        String otherTenant = "99999999-0000-0000-0000-000000000001";
        List<Arguments> cases = new ArrayList<>();
        Consumer<Map<String, Object>> none = c -> { };
        Supplier<String> valid = () -> AttackTokens.signed(none);
        cases.add(refused("no Authorization header", (Supplier<String>) () -> null, 401, "Authorization"));
        cases.add(refused("Basic scheme", (Supplier<String>) () -> "Basic dXNlcjpwYXNz", 401, "Authorization"));
        cases.add(refused("Bearer without a token", (Supplier<String>) () -> "Bearer ", 401, "Authorization"));
        cases.add(refused("garbage token", (Supplier<String>) () -> "Bearer a.b.c", 401, "Authorization"));
        cases.add(refused("wrong signature: another key under the real kid", (Supplier<String>) () ->
                "Bearer " + AttackTokens.rs256(AttackTokens.header("RS256", "test-caller-key"), AttackTokens.claims(none), TestTokens.otherKey()), 401, "Authorization"));
        cases.add(refused("another tenant's key, kid, issuer and tid", (Supplier<String>) () ->
                "Bearer " + AttackTokens.rs256(AttackTokens.header("RS256", "other-tenant-key"), AttackTokens.claims(c -> {
                    c.put("iss", "https://login.microsoftonline.com/" + otherTenant + "/v2.0");
                    c.put("tid", otherTenant);
                }), TestTokens.otherKey()), 401, "Authorization"));
        cases.add(refused("signature stripped", (Supplier<String>) () -> {
            String t = valid.get();
            return "Bearer " + t.substring(0, t.lastIndexOf('.') + 1);
        }, 401, "Authorization"));
        cases.add(refused("payload swapped under a valid signature", (Supplier<String>) () -> {
            String[] good = valid.get().split("\\.");
            String[] forged = AttackTokens.unsigned(AttackTokens.header("RS256", "test-caller-key"),
                    AttackTokens.claims(c -> c.put("sub", "attacker"))).split("\\.");
            return "Bearer " + good[0] + "." + forged[1] + "." + good[2];
        }, 401, "Authorization"));
        cases.add(refused("alg none, no signature", (Supplier<String>) () ->
                "Bearer " + AttackTokens.unsigned(AttackTokens.header("none", "test-caller-key"), AttackTokens.claims(none)), 401, "Authorization"));
        cases.add(refused("alg None (mixed case)", (Supplier<String>) () ->
                "Bearer " + AttackTokens.unsigned(AttackTokens.header("None", null), AttackTokens.claims(none)), 401, "Authorization"));
        cases.add(refused("alg none with a real signature appended", (Supplier<String>) () -> {
            String[] good = valid.get().split("\\.");
            String[] none2 = AttackTokens.unsigned(AttackTokens.header("none", "test-caller-key"), AttackTokens.claims(none)).split("\\.");
            return "Bearer " + none2[0] + "." + good[1] + "." + good[2];
        }, 401, "Authorization"));
        cases.add(refused("HS256 keyed with the public key (DER)", (Supplier<String>) () ->
                "Bearer " + AttackTokens.hs256(AttackTokens.header("HS256", "test-caller-key"), AttackTokens.claims(none),
                        AttackTokens.publicKey().getEncoded()), 401, "Authorization"));
        cases.add(refused("HS256 keyed with the public key (PEM)", (Supplier<String>) () ->
                "Bearer " + AttackTokens.hs256(AttackTokens.header("HS256", "test-caller-key"), AttackTokens.claims(none),
                        AttackTokens.publicKeyPem()), 401, "Authorization"));
        cases.add(refused("HS256 keyed with the published JWKS text", (Supplier<String>) () ->
                "Bearer " + AttackTokens.hs256(AttackTokens.header("HS256", null), AttackTokens.claims(none),
                        AttackTokens.jwksText()), 401, "Authorization"));
        cases.add(refused("expired 10 minutes ago (beyond the 5-minute skew)", (Supplier<String>) () ->
                "Bearer " + AttackTokens.signed(c -> { c.put("iat", now - 4200); c.put("nbf", now - 4200); c.put("exp", now - 600); }), 401, "Authorization"));
        cases.add(refused("expired a day ago", (Supplier<String>) () ->
                "Bearer " + AttackTokens.signed(c -> { c.put("iat", now - 90000); c.put("nbf", now - 90000); c.put("exp", now - 86400); }), 401, "Authorization"));
        cases.add(refused("iat an hour in the future", (Supplier<String>) () ->
                "Bearer " + AttackTokens.signed(c -> { c.put("iat", now + 3600); c.remove("nbf"); c.put("exp", now + 7200); }), 401, "Authorization"));
        cases.add(refused("iat 10 minutes in the future", (Supplier<String>) () ->
                "Bearer " + AttackTokens.signed(c -> { c.put("iat", now + 600); c.remove("nbf"); }), 401, "Authorization"));
        cases.add(refused("nbf an hour in the future", (Supplier<String>) () ->
                "Bearer " + AttackTokens.signed(c -> { c.put("nbf", now + 3600); c.put("exp", now + 7200); }), 401, "Authorization"));
        cases.add(refused("no exp", (Supplier<String>) () -> "Bearer " + AttackTokens.signed(c -> c.remove("exp")), 401, "Authorization"));
        cases.add(refused("no iat", (Supplier<String>) () -> "Bearer " + AttackTokens.signed(c -> c.remove("iat")), 401, "Authorization"));
        cases.add(refused("wrong audience", (Supplier<String>) () -> "Bearer " + AttackTokens.signed(c -> c.put("aud", "api://another-app")), 401, "Authorization"));
        cases.add(refused("audience Microsoft Graph", (Supplier<String>) () -> "Bearer " + AttackTokens.signed(c -> c.put("aud", "https://graph.microsoft.com")), 401, "Authorization"));
        cases.add(refused("no audience", (Supplier<String>) () -> "Bearer " + AttackTokens.signed(c -> c.remove("aud")), 401, "Authorization"));
        cases.add(refused("another tenant's issuer", (Supplier<String>) () ->
                "Bearer " + AttackTokens.signed(c -> c.put("iss", "https://login.microsoftonline.com/" + otherTenant + "/v2.0")), 401, "Authorization"));
        cases.add(refused("v1.0 issuer where v2.0 is expected", (Supplier<String>) () ->
                "Bearer " + AttackTokens.signed(c -> c.put("iss", "https://sts.windows.net/" + TestTokens.TENANT + "/")), 401, "Authorization"));
        cases.add(refused("no tid", (Supplier<String>) () -> "Bearer " + AttackTokens.signed(c -> c.remove("tid")), 401, "Authorization"));
        cases.add(refused("another tenant's tid with the right issuer", (Supplier<String>) () ->
                "Bearer " + AttackTokens.signed(c -> c.put("tid", otherTenant)), 401, "Authorization"));
        cases.add(refused("tid as an array", (Supplier<String>) () ->
                "Bearer " + AttackTokens.signed(c -> c.put("tid", List.of(TestTokens.TENANT))), 401, "Authorization"));
        cases.add(refused("app role in groups instead of roles", (Supplier<String>) () ->
                "Bearer " + AttackTokens.signed(c -> { c.remove("roles"); c.put("groups", List.of(TestTokens.ROLE)); }), 403, "Authorization"));
        cases.add(refused("app role in groups, another role in roles", (Supplier<String>) () ->
                "Bearer " + AttackTokens.signed(c -> { c.put("roles", List.of("Other.Role")); c.put("groups", List.of(TestTokens.ROLE)); }), 403, "Authorization"));
        cases.add(refused("app role as a delegated scope (scp)", (Supplier<String>) () ->
                "Bearer " + AttackTokens.signed(c -> { c.remove("roles"); c.put("scp", TestTokens.ROLE); }), 403, "Authorization"));
        cases.add(refused("app role in a 'role' claim", (Supplier<String>) () ->
                "Bearer " + AttackTokens.signed(c -> { c.remove("roles"); c.put("role", List.of(TestTokens.ROLE)); }), 403, "Authorization"));
        cases.add(refused("app role in wids", (Supplier<String>) () ->
                "Bearer " + AttackTokens.signed(c -> { c.remove("roles"); c.put("wids", List.of(TestTokens.ROLE)); }), 403, "Authorization"));
        cases.add(refused("roles as a single string, not an array", (Supplier<String>) () ->
                "Bearer " + AttackTokens.signed(c -> c.put("roles", TestTokens.ROLE)), 403, "Authorization"));
        cases.add(refused("role name in another case", (Supplier<String>) () ->
                "Bearer " + AttackTokens.signed(c -> c.put("roles", List.of(TestTokens.ROLE.toUpperCase()))), 403, "Authorization"));
        cases.add(refused("Authorization of 17 KB", (Supplier<String>) () -> "Bearer " + "A".repeat(17 * 1024), 401, "Authorization"));
        cases.add(refused("token of 30 KB", (Supplier<String>) () ->
                "Bearer " + AttackTokens.signed(c -> c.put("pad", "x".repeat(22 * 1024))), 401, "Authorization"));
        cases.add(refused("token of 200 KB", (Supplier<String>) () ->
                "Bearer " + AttackTokens.signed(c -> c.put("pad", "x".repeat(150 * 1024))), 401, "Authorization"));
        return cases.stream();
    }

    @ParameterizedTest(name = "[{index}] {0}")
    @MethodSource("forgedTokens")
    void givenAForgedOrMisclaimedToken_thenRefusedAndNothingSent(Supplier<String> authorization, int status, String field) {
        String header = authorization.get();
        Response response = post(MAILBOX, header, "application/json", message(""));
        assertRefused(response, status, field);
        if (status == 401) {
            response.then().header("WWW-Authenticate", "Bearer");
        }
    }

    @Test
    void givenOtherHeadersOver20KB_then431ProblemAndNothingSent() {
        Response response = given().header("Authorization", TestTokens.bearer()).header("x-filler", "y".repeat(25 * 1024))
                .contentType("application/json").body(message("")).when().post("/api/users/" + MAILBOX + "/sendMail");
        assertRefused(response, 431, null);
    }

    @Test
    void givenATokenExpiredOneMinuteAgo_thenAcceptedWithinTheStatedSkew_control() {
        long now = Instant.now().getEpochSecond();
        String token = AttackTokens.signed(c -> { c.put("iat", now - 3660); c.put("nbf", now - 3660); c.put("exp", now - 60); });
        post(MAILBOX, "Bearer " + token, "application/json", message("")).then().statusCode(202);
        assertSentOnce();
    }

    @Test
    void givenAValidHandForgedToken_thenSent_control() {
        post(MAILBOX, "Bearer " + AttackTokens.signed(c -> { }), "application/json", message("")).then().statusCode(202);
        assertSentOnce();
    }

    // ---------------------------------------------------------------- 2. sender fields, JSON form, HTTP

    static Stream<Arguments> spoofedJsonSenders() {
        return Stream.of(
                refused("from another mailbox", address("from", STRANGER), 403, "message.from"),
                refused("sender another mailbox", address("sender", STRANGER), 403, "message.sender"),
                refused("from allowed send-as, sender another", address("from", SHARED) + address("sender", STRANGER), 403, "message.sender"),
                refused("from self, sender another", address("from", MAILBOX) + address("sender", STRANGER), 403, "message.sender"),
                refused("from an allowed mailbox not on this mailbox's send-as list", address("from", KIOSK), 403, "message.from"),
                refused("sender an allowed mailbox not on the send-as list", address("sender", KIOSK), 403, "message.sender"),
                refused("from a Cyrillic look-alike of the mailbox", address("from", "mailer@c\u043Entoso.test"), 403, "message.from"),
                refused("from the mailbox with a fullwidth letter in the domain", address("from", "mailer@\uFF43ontoso.test"), 400, "message.from.emailAddress.address"),
                refused("from with U+0130 in the local part", address("from", "ma\u0130ler@contoso.test"), 400, "message.from.emailAddress.address"),
                refused("from with U+212A in the domain", address("from", "kiosk@\u212Aontoso.test"), 400, "message.from.emailAddress.address"),
                refused("from with a trailing dot", address("from", "mailer@contoso.test."), 400, "message.from.emailAddress.address"),
                refused("from with a quoted local part", address("from", "\\\"mailer\\\"@contoso.test"), 400, "message.from.emailAddress.address"),
                refused("from with a comment", address("from", "mailer(x)@contoso.test"), 400, "message.from.emailAddress.address"),
                refused("from with two addresses", address("from", "mailer@contoso.test, " + STRANGER), 400, "message.from.emailAddress.address"),
                refused("from in another case of the property name", address("FROM", STRANGER), 403, "message.from"),
                refused("sender in another case of the property name", address("Sender", STRANGER), 403, "message.sender"));
    }

    @ParameterizedTest(name = "[{index}] {0}")
    @MethodSource("spoofedJsonSenders")
    void givenASpoofedSenderInGraphJson_thenRefusedNamingTheFieldAndNothingSent(String extra, int status, String field) {
        assertRefused(postJson(MAILBOX, message(extra)), status, field);
    }

    @Test
    void givenAMailboxWithoutSendAsNamingAnotherAllowedMailbox_then403() {
        assertRefused(postJson(SHARED, message(address("from", MAILBOX))), 403, "message.from");
    }

    @Test
    void givenFromTheMailboxInAnotherCase_thenSentWithTheAllowlistSpelling_control() {
        postJson("MAILER@Contoso.TEST", message(address("from", "Mailer@CONTOSO.test"))).then().statusCode(202);
        assertSentOnce();
        var sent = standins.graph().acceptedMessages().get(0);
        assertThat(sent.mailboxInPath()).isEqualTo(MAILBOX);
        assertThat(sent.json().path("message").path("from").path("emailAddress").path("address").asText()).isEqualTo(MAILBOX);
    }

    @Test
    void givenFromASendAsMailbox_thenSent_control() {
        postJson(MAILBOX, message(address("from", SHARED.toUpperCase()) + address("sender", MAILBOX))).then().statusCode(202);
        assertSentOnce();
        JsonNode m = standins.graph().acceptedMessages().get(0).json().path("message");
        assertThat(m.path("from").path("emailAddress").path("address").asText()).isEqualTo(SHARED);
        assertThat(m.path("sender").path("emailAddress").path("address").asText()).isEqualTo(MAILBOX);
    }

    // ---------------------------------------------------------------- 3. sender fields, MIME form, HTTP

    static String mime(String senderHeaders) {
        return senderHeaders + "To: victim@fabrikam.example\r\nSubject: attack\r\nMIME-Version: 1.0\r\n"
                + "Content-Type: text/plain; charset=us-ascii\r\n\r\nhello\r\n";
    }

    static Stream<Arguments> spoofedMimeSenders() {
        return Stream.of(
                refused("From another mailbox", mime("From: Finance <" + STRANGER + ">\r\n"), 403, "mime.From"),
                refused("Sender another mailbox", mime("From: " + MAILBOX + "\r\nSender: " + STRANGER + "\r\n"), 403, "mime.Sender"),
                refused("Resent-From another mailbox", mime("From: " + MAILBOX + "\r\nResent-From: " + STRANGER + "\r\n"), 403, "mime.Resent-From"),
                refused("Resent-Sender another mailbox", mime("From: " + MAILBOX + "\r\nResent-Sender: " + STRANGER + "\r\n"), 403, "mime.Resent-Sender"),
                refused("second From header", mime("From: " + MAILBOX + "\r\nFrom: " + STRANGER + "\r\n"), 403, "mime.From"),
                refused("second Resent-From block", mime("From: " + MAILBOX + "\r\nResent-From: " + MAILBOX + "\r\nResent-From: " + STRANGER + "\r\n"), 403, "mime.Resent-From"),
                refused("From with two mailboxes", mime("From: " + MAILBOX + ", " + STRANGER + "\r\n"), 403, "mime.From"),
                refused("From as a group", mime("From: team: " + STRANGER + ";\r\n"), 403, "mime.From"),
                refused("display name spoofing the mailbox", mime("From: \"" + MAILBOX + "\" <" + STRANGER + ">\r\n"), 403, "mime.From"),
                refused("header name in upper case", mime("FROM: " + STRANGER + "\r\n"), 403, "mime.From"),
                refused("folded From", mime("From: Finance\r\n <" + STRANGER + ">\r\n"), 403, "mime.From"),
                refused("From with a comment", mime("From: " + STRANGER + " (" + MAILBOX + ")\r\n"), 403, "mime.From"),
                refused("From an allowed mailbox not on the send-as list", mime("From: " + KIOSK + "\r\n"), 403, "mime.From"),
                refused("From a Cyrillic look-alike (raw UTF-8)", mime("From: mailer@c\u043Entoso.test\r\n"), 400, "mime.From"),
                refused("From a Cyrillic look-alike (punycode)", mime("From: mailer@" + java.net.IDN.toASCII("c\u043Entoso.test") + "\r\n"), 403, "mime.From"),
                refused("From with U+212A in the domain", mime("From: kiosk@\u212Aontoso.test\r\n"), 400, "mime.From"),
                refused("From with an encoded-word address", mime("From: =?utf-8?q?finance=40contoso.test?=\r\n"), 400, "mime.From.address"));
    }

    @ParameterizedTest(name = "[{index}] {0}")
    @MethodSource("spoofedMimeSenders")
    void givenASpoofedSenderInTheMimeForm_thenRefusedNamingTheHeaderAndNothingSent(String mime, int status, String field) {
        assertRefused(postMime(MAILBOX, mime), status, field);
    }

    @Test
    void givenMimeFromSelfAndSenderASendAsMailbox_thenPassedOnUnchanged_control() {
        String mime = mime("From: Shared <" + SHARED + ">\r\nSender: " + MAILBOX + "\r\n");
        postMime(MAILBOX, mime).then().statusCode(202);
        assertSentOnce();
        assertThat(standins.graph().acceptedMessages().get(0).mimeText()).isEqualTo(mime);
    }

    // ---------------------------------------------------------------- 4. spellings of the path mailbox

    static Stream<Arguments> lookAlikeMailboxes() {
        return Stream.of(
                refused("U+212A KELVIN SIGN for k in the local part", path("\u212Aiosk@kontoso.test"), 400, "mailbox"),
                refused("U+212A KELVIN SIGN for k in the domain", path("kiosk@\u212Aontoso.test"), 400, "mailbox"),
                refused("U+0130 in the local part", path("ma\u0130ler@contoso.test"), 400, "mailbox"),
                refused("dotless i (U+0131) in the local part", path("ma\u0131ler@contoso.test"), 400, "mailbox"),
                refused("long s (U+017F) for s", path("kio\u017Fk@kontoso.test"), 400, "mailbox"),
                refused("fullwidth letters in the domain", path("mailer@\uFF43ontoso.test"), 400, "mailbox"),
                refused("Cyrillic o in the domain (a valid, different IDN)", path("mailer@c\u043Entoso.test"), 403, "mailbox"),
                refused("Cyrillic a in the local part", path("m\u0430iler@contoso.test"), 400, "mailbox"),
                refused("combining dot after i", path("mai\u0307ler@contoso.test"), 400, "mailbox"),
                refused("IDN in upper case (U+00DC)", path("info@B\u00DCcher.test"), 400, "mailbox"),
                refused("IDN with sharp s folding to ss", path("info@b\u00FCcher\u00DF.test"), 400, "mailbox"),
                refused("fullwidth at sign", path("mailer\uFF20contoso.test"), 400, "mailbox"),
                refused("ideographic full stop in the domain", path("mailer@contoso\u3002test"), 400, "mailbox"),
                refused("trailing dot on the domain", "mailer@contoso.test.", 400, "mailbox"),
                refused("trailing dot on the local part", "mailer.@contoso.test", 400, "mailbox"),
                refused("quoted local part", path("\"mailer\"@contoso.test"), 400, "mailbox"),
                refused("quoted local part holding the mailbox", path("\"mailer@contoso.test\"@evil.example"), 400, "mailbox"),
                refused("comment after the local part", "mailer(c)@contoso.test", 400, "mailbox"),
                refused("comment after the domain", "mailer@contoso.test(c)", 400, "mailbox"),
                refused("angle brackets", path("<mailer@contoso.test>"), 400, "mailbox"),
                refused("display name", path("Mailer <mailer@contoso.test>"), 400, "mailbox"),
                refused("double percent-encoded at sign", "mailer%2540contoso.test", 400, "mailbox"),
                refused("percent-encoded NUL after the mailbox", "mailer@contoso.test%00", 400, "mailbox"),
                refused("percent-encoded CR LF after the mailbox", "mailer@contoso.test%0D%0ABcc:x@evil.example", 400, "mailbox"),
                refused("encoded slash towards another mailbox", "mailer@contoso.test%2F..%2F" + STRANGER, 400, "mailbox"),
                refused("encoded slash inside the local part", "x%2F..%2F" + STRANGER, 400, "mailbox"),
                refused("another mailbox", STRANGER, 403, "mailbox"),
                refused("another mailbox, percent-encoded", "finance%40contoso.test", 403, "mailbox"),
                refused("object id not on the allowlist", "0f8fad5b-d9cb-469f-a165-70867728950e", 403, "mailbox"));
    }

    @ParameterizedTest(name = "[{index}] {0}")
    @MethodSource("lookAlikeMailboxes")
    void givenALookAlikeOfAnAllowedMailboxInThePath_thenRefusedAndNothingSent(String rawMailbox, int status, String field) {
        assertRefused(postJson(rawMailbox, message("")), status, field);
    }

    @Test
    void givenDotSegmentsInThePath_thenNeverSentAsAnotherMailbox() {
        // The router normalises /a/../b, so this reaches STRANGER's route: refused there.
        Response r = postJson(MAILBOX + "/../" + STRANGER, message(""));
        assertRefused(r, 403, "mailbox");
    }

    @Test
    void givenTheMailboxInAnotherCaseOrPercentEncoded_thenSentAsTheAllowlistSpelling_control() {
        postJson("KIOSK%40KONTOSO.test", message("")).then().statusCode(202);
        assertSentOnce();
        assertThat(standins.graph().acceptedMessages().get(0).mailboxInPath()).isEqualTo(KIOSK);
    }

    // ---------------------------------------------------------------- 5. blob references

    static Stream<Arguments> hostileBlobReferences() {
        String base = BlobAttachmentsResource.containerUrl();               // http://127.0.0.1:<port>/devstoreaccount1/mail-attachments/
        String account = Azurite.shared().blobEndpoint();                   // http://127.0.0.1:<port>/devstoreaccount1
        URI a = URI.create(account);
        String hostPort = a.getHost() + ":" + a.getPort();
        String c = BlobAttachmentsResource.CONTAINER;
        String field = "message.attachments[0].contentLocation";
        List<Arguments> cases = new ArrayList<>();
        for (String[] t : new String[][]{
                {"%2e%2e/ to another container", base + "%2e%2e/secrets/secret.txt"},
                {".%2e/ to another container", base + ".%2e/secrets/secret.txt"},
                {"%2e./ to another container", base + "%2e./secrets/secret.txt"},
                {"%2E%2E/ (upper case)", base + "%2E%2E/secrets/secret.txt"},
                {"../ to another container", base + "../secrets/secret.txt"},
                {"./../ to another container", base + "./../secrets/secret.txt"},
                {"deeper ../../", base + "x/../../secrets/secret.txt"},
                {"..%2f with an encoded slash", base + "..%2fsecrets%2fsecret.txt"},
                {"%2e%2e%2f fully encoded", base + "%2e%2e%2fsecrets%2fsecret.txt"},
                {"..%5c with an encoded backslash", base + "..%5csecrets%5csecret.txt"},
                {"..\\ with raw backslashes", base + "..\\secrets\\secret.txt"},
                {"double-encoded dots %252e%252e (a literal name, looked up inside the container)", base + "%252e%252e/secrets/secret.txt"},
                {"overlong UTF-8 dots %c0%ae", base + "%c0%ae%c0%ae/secrets/secret.txt"},
                {"overlong UTF-8 dots %e0%80%ae", base + "%e0%80%ae%e0%80%ae/secrets/secret.txt"},
                {"fullwidth dots U+FF0E (a literal name, looked up inside the container)", base + "%ef%bc%8e%ef%bc%8e/secrets/secret.txt"},
                {"encoded NUL", base + "ok.txt%00"},
                {"malformed escape", base + "ok.txt%"},
                {"invalid escape", base + "ok%zz.txt"},
                {"empty segment", base + "/ok.txt"},
                {"the container itself", base},
                {"query string", base + "ok.txt?comp=list"},
                {"empty query", base + "ok.txt?"},
                {"SAS token", base + "ok.txt?sv=2024-01-01&sig=x"},
                {"fragment", base + "ok.txt#x"},
                {"another container", account + "/secrets/secret.txt"},
                {"a container with the allowed name as prefix", account + "/" + c + "-evil/secret.txt"},
                {"container name in another case", account + "/Mail-Attachments/ok.txt"},
                {"another account on the same host", "http://" + hostPort + "/devstoreaccount2/" + c + "/ok.txt"},
                {"user info", "http://user:pw@" + hostPort + "/devstoreaccount1/" + c + "/ok.txt"},
                {"user info that looks like the host", "http://" + hostPort + "@169.254.169.254/devstoreaccount1/" + c + "/ok.txt"},
                {"another spelling of the host (localhost)", "http://localhost:" + a.getPort() + "/devstoreaccount1/" + c + "/ok.txt"},
                {"decimal IP", "http://2130706433:" + a.getPort() + "/devstoreaccount1/" + c + "/ok.txt"},
                {"short IP 127.1", "http://127.1:" + a.getPort() + "/devstoreaccount1/" + c + "/ok.txt"},
                {"IPv4-mapped IPv6", "http://[::ffff:127.0.0.1]:" + a.getPort() + "/devstoreaccount1/" + c + "/ok.txt"},
                {"another port", "http://" + a.getHost() + ":" + (a.getPort() + 1) + "/devstoreaccount1/" + c + "/ok.txt"},
                {"https instead of the allowed http", "https://" + hostPort + "/devstoreaccount1/" + c + "/ok.txt"},
                {"scheme-relative", "//" + hostPort + "/devstoreaccount1/" + c + "/ok.txt"},
                {"missing slash after the scheme", base.replace("http://", "http:/") + "ok.txt"},
                {"file URL", "file:///etc/passwd"},
                {"instance metadata", "http://169.254.169.254/metadata/identity/oauth2/token"},
                {"space in the URL", base + "ok .txt"},
                {"tab in the URL", base + "ok\t.txt"}}) {
            cases.add(refused(t[0], t[1], 400, field));
        }
        return cases.stream();
    }

    @ParameterizedTest(name = "[{index}] {0}")
    @MethodSource("hostileBlobReferences")
    void givenAHostileBlobReference_thenRefusedAndNothingSent(String location, int status, String field) throws Exception {
        String attachment = ",\"attachments\":[{\"@odata.type\":\"#microsoft.graph.fileAttachment\",\"name\":\"a.txt\","
                + "\"contentLocation\":" + JSON.writeValueAsString(location) + "}]";
        Response response = postJson(MAILBOX, message(attachment));
        assertRefused(response, status, field);
        // Refused on the reference itself, before any blob was looked up; literal names are looked up, in the container.
        String why = response.jsonPath().getString("errors[0].message");
        if (location.contains("%25") || location.contains("%ef%bc%8e")) {
            assertThat(why).contains("names no blob");
        } else {
            assertThat(why).doesNotContain("names no blob");
        }
    }

    @Test
    void givenABlobInTheAllowedContainer_thenSent_control() {
        String attachment = ",\"attachments\":[{\"@odata.type\":\"#microsoft.graph.fileAttachment\",\"name\":\"a.txt\","
                + "\"contentLocation\":\"" + BlobAttachmentsResource.containerUrl() + "ok.txt\"}]";
        postJson(MAILBOX, message(attachment)).then().statusCode(202);
        assertThat(standins.graph().sentDrafts()).hasSize(1);
    }

    // ---------------------------------------------------------------- 6. sender fields and mailboxes on the queue

    static String envelope(String mailbox, String sendMail) {
        return "{\"version\":1,\"mailbox\":" + quote(mailbox) + ",\"sendMail\":" + sendMail + "}";
    }

    private static String quote(String s) {
        try {
            return JSON.writeValueAsString(s);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    static Stream<Arguments> spoofedQueueMessages() {
        return Stream.of(
                Arguments.of(Named.of("from another mailbox", envelope(MAILBOX, message(address("from", STRANGER)))), "SenderNotAllowed", "message.from"),
                Arguments.of(Named.of("sender another mailbox", envelope(MAILBOX, message(address("sender", STRANGER)))), "SenderNotAllowed", "message.sender"),
                Arguments.of(Named.of("from an allowed mailbox not on the send-as list", envelope(MAILBOX, message(address("from", KIOSK)))), "SenderNotAllowed", "message.from"),
                Arguments.of(Named.of("send-as from, foreign sender", envelope(MAILBOX, message(address("from", SHARED) + address("sender", STRANGER)))), "SenderNotAllowed", "message.sender"),
                Arguments.of(Named.of("a mailbox without send-as naming another", envelope(SHARED, message(address("from", MAILBOX)))), "SenderNotAllowed", "message.from"),
                Arguments.of(Named.of("mailbox not allowed", envelope(STRANGER, message(""))), "SenderNotAllowed", "mailbox"),
                Arguments.of(Named.of("mailbox with U+212A", envelope("kiosk@\u212Aontoso.test", message(""))), "InvalidMessage", "mailbox"),
                Arguments.of(Named.of("mailbox with a Cyrillic look-alike", envelope("mailer@c\u043Entoso.test", message(""))), "SenderNotAllowed", "mailbox"),
                Arguments.of(Named.of("from with U+212A", envelope(MAILBOX, message(address("from", "kiosk@\u212Aontoso.test")))), "InvalidMessage", "message.from"));
    }

    @ParameterizedTest(name = "[{index}] {0}")
    @MethodSource("spoofedQueueMessages")
    void givenASpoofedQueueMessage_thenDeadLetteredNamingTheFieldAndNothingSent(String envelope, String code, String field) throws Exception {
        String cs = Azurite.shared().connectionString();
        FunctionsHostDriver.Queues queues = FunctionsHostDriver.Queues.empty(cs, QUEUE);
        try (FunctionsHostDriver host = FunctionsHostDriver.fromHostJson(cs, QUEUE, handler)) {
            queues.outbox().sendMessage(envelope);
            host.drain(Duration.ofSeconds(30));
        }
        List<JsonNode> dead = read(queues.deadLetter());
        assertThat(dead).singleElement().satisfies(n -> {
            assertThat(n.path("code").asText()).isEqualTo(code);
            assertThat(n.path("reason").asText()).contains(field);
        });
        assertThat(read(queues.poison())).isEmpty();
        assertThat(standins.graph().requests()).as("Graph saw nothing").isEmpty();
    }

    @Test
    void givenAQueueMessageFromASendAsMailbox_thenSent_control() throws Exception {
        String cs = Azurite.shared().connectionString();
        FunctionsHostDriver.Queues queues = FunctionsHostDriver.Queues.empty(cs, QUEUE);
        try (FunctionsHostDriver host = FunctionsHostDriver.fromHostJson(cs, QUEUE, handler)) {
            queues.outbox().sendMessage(envelope(MAILBOX.toUpperCase(), message(address("from", SHARED))));
            host.drain(Duration.ofSeconds(30));
        }
        assertThat(read(queues.deadLetter())).isEmpty();
        assertSentOnce();
        assertThat(standins.graph().acceptedMessages().get(0).mailboxInPath()).isEqualTo(MAILBOX);
    }

    private static List<JsonNode> read(QueueClient q) throws Exception {
        List<JsonNode> out = new ArrayList<>();
        for (QueueMessageItem m : q.receiveMessages(32)) {
            out.add(JSON.readTree(m.getBody().toString()));
        }
        return out;
    }
}
