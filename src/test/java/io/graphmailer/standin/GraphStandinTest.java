package io.graphmailer.standin;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Graph stand-in proven with java.net.http and tokens from the identity stand-in (one test via MSAL4J). */
class GraphStandinTest {

    private static final String MESSAGE = """
            {"message":{"subject":"Hello","body":{"contentType":"HTML","content":"<p>Hi</p>"},
              "toRecipients":[{"emailAddress":{"address":"alice@contoso.test"}}],
              "attachments":[{"@odata.type":"#microsoft.graph.fileAttachment","name":"a.txt",
                "contentType":"text/plain","contentBytes":"aGVsbG8="}]},
             "saveToSentItems":false}""";

    private Standins standins;
    private GraphStandin graph;
    private String token;

    @BeforeEach
    void reset() {
        standins = Standins.shared();
        standins.reset();
        graph = standins.graph();
        token = standins.identity().mintAppToken(Standins.CLIENT_ID, IdentityPlatformStandin.GRAPH_RESOURCE);
    }

    @AfterEach
    void noStrayRequests() {
        assertThat(graph.unmatchedRequests()).isEmpty();
    }

    @Test
    void givenMsalTokenAndValidJsonMessage_thenAccepted202WithEmptyBodyAndMessageRecorded() throws Exception {
        String msalToken = StandinClients.acquire(StandinClients.msal(standins, standins.clientCertificate()),
                "https://graph.microsoft.com/.default").accessToken();

        HttpResponse<String> response = send(Standins.MAILBOX, msalToken, "application/json", MESSAGE,
                "7b0b9a4e-0000-4000-8000-000000000001");

        assertThat(response.statusCode()).isEqualTo(202);
        assertThat(response.body()).isEmpty();
        assertThat(response.headers().firstValue("request-id")).isPresent();
        assertThat(response.headers().firstValue("client-request-id")).hasValue("7b0b9a4e-0000-4000-8000-000000000001");
        GraphStandin.AcceptedMessage accepted = graph.acceptedMessages(Standins.MAILBOX).get(0);
        assertThat(accepted.form()).isEqualTo(GraphStandin.Form.JSON);
        assertThat(accepted.appId()).isEqualTo(Standins.CLIENT_ID);
        assertThat(accepted.json().at("/message/subject").asText()).isEqualTo("Hello");
        assertThat(accepted.clientRequestId()).isEqualTo("7b0b9a4e-0000-4000-8000-000000000001");
    }

    @Test
    void givenNoClientRequestId_thenClientRequestIdEqualsRequestId() throws Exception {
        HttpResponse<String> response = send(Standins.MAILBOX, token, "application/json", MESSAGE, null);

        assertThat(response.headers().firstValue("client-request-id"))
                .isEqualTo(response.headers().firstValue("request-id"));
    }

    @Test
    void givenNoToken_then401InvalidAuthenticationTokenWithChallenge() throws Exception {
        HttpResponse<String> response = send(Standins.MAILBOX, null, "application/json", MESSAGE, null);

        assertError(response, 401, "InvalidAuthenticationToken", "Access token is empty.");
        assertThat(response.headers().firstValue("WWW-Authenticate").orElseThrow())
                .startsWith("Bearer realm=\"\", authorization_uri=\"")
                .endsWith("client_id=\"00000003-0000-0000-c000-000000000000\"");
        assertThat(graph.acceptedMessages()).isEmpty();
    }

    @Test
    void givenExpiredToken_then401Expired() throws Exception {
        long past = Instant.now().minusSeconds(7200).getEpochSecond();
        String expired = standins.identity().mintToken(Map.of("aud", "https://graph.microsoft.com",
                "iss", "https://sts.windows.net/" + Standins.TENANT_ID + "/", "tid", Standins.TENANT_ID,
                "appid", Standins.CLIENT_ID, "roles", List.of("Mail.Send"),
                "iat", past, "nbf", past, "exp", past + 3600));

        assertError(send(Standins.MAILBOX, expired, "application/json", MESSAGE, null), 401,
                "InvalidAuthenticationToken", "Access token has expired or is not yet valid.");
    }

    @Test
    void givenExchangeAudienceToken_then401InvalidAudience() throws Exception {
        standins.identity().grantRoles(Standins.CLIENT_ID, IdentityPlatformStandin.EXCHANGE_RESOURCE,
                Set.of("Mail.Send"));
        String exchangeToken = standins.identity().mintAppToken(Standins.CLIENT_ID,
                IdentityPlatformStandin.EXCHANGE_RESOURCE);

        assertError(send(Standins.MAILBOX, exchangeToken, "application/json", MESSAGE, null), 401,
                "InvalidAuthenticationToken", "Access token validation failure. Invalid audience.");
    }

    @Test
    void givenTokenSignedByUnknownKey_then401ValidationFailure() throws Exception {
        String forged = IdentityPlatformStandin.mintTokenWithUnknownKey(Map.of("aud", "https://graph.microsoft.com",
                "iss", "https://sts.windows.net/" + Standins.TENANT_ID + "/", "tid", Standins.TENANT_ID,
                "appid", Standins.CLIENT_ID, "roles", List.of("Mail.Send")));

        assertError(send(Standins.MAILBOX, forged, "application/json", MESSAGE, null), 401,
                "InvalidAuthenticationToken", "Access token validation failure.");
    }

    @Test
    void givenConsentMissing_then403NoPermissionsInAccessToken() throws Exception {
        standins.identity().consentMissing(Standins.CLIENT_ID, true);
        String noRoles = standins.identity().mintAppToken(Standins.CLIENT_ID, IdentityPlatformStandin.GRAPH_RESOURCE);

        assertError(send(Standins.MAILBOX, noRoles, "application/json", MESSAGE, null), 403,
                "NoPermissionsInAccessToken", "The token contains no permissions, or permissions can not be understood.");
    }

    @Test
    void givenRoleOtherThanMailSend_then403ErrorAccessDenied() throws Exception {
        standins.identity().grantRoles(Standins.CLIENT_ID, IdentityPlatformStandin.GRAPH_RESOURCE,
                Set.of("Mail.ReadWrite"));
        String readWrite = standins.identity().mintAppToken(Standins.CLIENT_ID, IdentityPlatformStandin.GRAPH_RESOURCE);

        assertError(send(Standins.MAILBOX, readWrite, "application/json", MESSAGE, null), 403,
                "ErrorAccessDenied", "Access is denied. Check credentials and try again.");
    }

    @Test
    void givenMailboxOutsideTheAppsScope_then403ErrorAccessDenied() throws Exception {
        graph.addMailbox("ceo@contoso.test");
        graph.restrictApp(Standins.CLIENT_ID, Set.of(Standins.MAILBOX));

        assertError(send("ceo@contoso.test", token, "application/json", MESSAGE, null), 403, "ErrorAccessDenied",
                "Access is denied. Check credentials and try again.");
        assertThat(send(Standins.MAILBOX, token, "application/json", MESSAGE, null).statusCode()).isEqualTo(202);
    }

    @Test
    void givenUnknownOrDisabledMailbox_then404() throws Exception {
        graph.addMailbox("onprem@contoso.test");
        graph.disableMailbox("onprem@contoso.test");

        assertError(send("nobody@contoso.test", token, "application/json", MESSAGE, null), 404, "ErrorInvalidUser",
                "The requested user 'nobody@contoso.test' is invalid.");
        assertError(send("onprem@contoso.test", token, "application/json", MESSAGE, null), 404,
                "MailboxNotEnabledForRESTAPI", "The mailbox is either inactive, soft-deleted, or is hosted on-premise.");
    }

    @Test
    void givenInvalidPayloads_then400WithGraphCodes() throws Exception {
        assertCode("{\"message\":{\"toRecipients\":[{\"emailAddress\":{\"address\":\"not-an-address\"}}]}}",
                "ErrorInvalidRecipients");
        assertCode("{\"message\":{\"subject\":\"no recipients\"}}", "ErrorInvalidRecipients");
        assertCode("{\"saveToSentItems\":false}", "ErrorInvalidParameter");
        assertCode(MESSAGE.replace("\"@odata.type\":\"#microsoft.graph.fileAttachment\",", ""), "RequestBodyRead");
        assertCode(MESSAGE.replace("aGVsbG8=", "%%%not base64%%%"), "RequestBodyRead");
        assertCode(MESSAGE.replace("\"HTML\"", "\"markdown\""), "RequestBodyRead");
        assertCode("{not json", "BadRequest");
        assertThat(graph.acceptedMessages()).isEmpty();
        assertThat(send(Standins.MAILBOX, token, "application/json", MESSAGE.replace("\"HTML\"", "\"text\""), null)
                .statusCode()).isEqualTo(202);
    }

    @Test
    void givenMimeMessage_thenAcceptedAndDecodedBytesRecorded() throws Exception {
        String mime = "From: mailer@contoso.test\r\nTo: alice@contoso.test\r\nSubject: MIME\r\n\r\nHello\r\n";
        String base64 = Base64.getMimeEncoder().encodeToString(mime.getBytes(StandardCharsets.UTF_8));

        HttpResponse<String> response = send(Standins.MAILBOX, token, "text/plain", base64, null);

        assertThat(response.statusCode()).isEqualTo(202);
        GraphStandin.AcceptedMessage accepted = graph.acceptedMessages().get(0);
        assertThat(accepted.form()).isEqualTo(GraphStandin.Form.MIME);
        assertThat(accepted.mimeText()).isEqualTo(mime);
    }

    @Test
    void givenMimeBodyThatIsNotBase64_then400ErrorMimeContentInvalidBase64String() throws Exception {
        assertError(send(Standins.MAILBOX, token, "text/plain", "To: alice@contoso.test\r\n\r\nplain", null), 400,
                "ErrorMimeContentInvalidBase64String", "Invalid base64 string for MIME content.");
    }

    @Test
    void givenRequestOverFourMegabytes_then413() throws Exception {
        String big = MESSAGE.replace("aGVsbG8=", "A".repeat(4 * 1024 * 1024));

        HttpResponse<String> response = send(Standins.MAILBOX, token, "application/json", big, null);

        assertThat(response.statusCode()).isEqualTo(413);
        assertThat(graph.acceptedMessages()).isEmpty();
    }

    @Test
    void givenThrottleFault_then429WithRetryAfterAndNextRequestSucceeds() throws Exception {
        graph.injectFaults(1, GraphFault.throttled(7));

        HttpResponse<String> throttled = send(Standins.MAILBOX, token, "application/json", MESSAGE, null);
        HttpResponse<String> next = send(Standins.MAILBOX, token, "application/json", MESSAGE, null);

        assertError(throttled, 429, "ApplicationThrottled", "Application is over its MailboxConcurrency limit.");
        assertThat(throttled.headers().firstValue("Retry-After")).hasValue("7");
        assertThat(next.statusCode()).isEqualTo(202);
        assertThat(graph.sendMailRequests(Standins.MAILBOX)).isEqualTo(2);
        assertThat(graph.acceptedMessages()).hasSize(1);
    }

    @Test
    void givenServerFaults_then503WithRetryAfterAnd504() throws Exception {
        graph.injectFaults(1, GraphFault.serviceUnavailable(3));
        graph.injectFaults(1, GraphFault.gatewayTimeout());

        HttpResponse<String> unavailable = send(Standins.MAILBOX, token, "application/json", MESSAGE, null);
        HttpResponse<String> timeout = send(Standins.MAILBOX, token, "application/json", MESSAGE, null);

        assertThat(unavailable.statusCode()).isEqualTo(503);
        assertThat(unavailable.headers().firstValue("Retry-After")).hasValue("3");
        assertThat(timeout.statusCode()).isEqualTo(504);
        assertThat(graph.acceptedMessages()).isEmpty();
    }

    @Test
    void givenConcurrencyLimitOfFour_whenSixSendAtOnce_thenTwoAreThrottledAndMaxConcurrencyExceedsFour() {
        graph.mailboxConcurrencyLimit(4);
        graph.responseDelay(Duration.ofMillis(1500));

        List<CompletableFuture<HttpResponse<String>>> futures = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            futures.add(StandinClients.HTTP.sendAsync(request(Standins.MAILBOX, token, "application/json", MESSAGE,
                    null), HttpResponse.BodyHandlers.ofString()));
        }
        List<Integer> statuses = futures.stream().map(CompletableFuture::join).map(HttpResponse::statusCode).toList();

        assertThat(statuses).containsOnly(202, 429);
        assertThat(statuses.stream().filter(s -> s == 429).count()).isEqualTo(2);
        // a throttled request leaves at once, so the sixth may arrive after the fifth has gone: 5 or 6
        assertThat(graph.maxConcurrentRequests(Standins.MAILBOX)).isBetween(5, 6);
        assertThat(graph.acceptedMessages()).hasSize(4);
    }

    @Test
    void givenAcceptThenDelayFault_whenClientTimesOut_thenTheMessageWasAcceptedAnyway() {
        graph.injectFaults(1, GraphFault.acceptThenDelay(Duration.ofSeconds(2)));
        HttpRequest impatient = HttpRequest.newBuilder(request(Standins.MAILBOX, token, "application/json", MESSAGE,
                "dup-1"), (name, value) -> true).timeout(Duration.ofMillis(300)).build();

        assertThatThrownBy(() -> StandinClients.HTTP.send(impatient, HttpResponse.BodyHandlers.ofString()))
                .isInstanceOf(HttpTimeoutException.class);

        assertThat(graph.acceptedMessages()).hasSize(1);
        assertThat(graph.acceptedMessages().get(0).clientRequestId()).isEqualTo("dup-1");
    }

    @Test
    void givenEveryRequest_thenRequestLogRecordsStatusAndClientRequestId() throws Exception {
        send(Standins.MAILBOX, null, "application/json", MESSAGE, "a");
        send(Standins.MAILBOX, token, "application/json", MESSAGE, "b");

        assertThat(graph.requests()).extracting(GraphStandin.RequestSeen::status, GraphStandin.RequestSeen::clientRequestId)
                .containsExactly(org.assertj.core.groups.Tuple.tuple(401, "a"),
                        org.assertj.core.groups.Tuple.tuple(202, "b"));
        assertThat(graph.sendMailRequests()).isEqualTo(2);
    }

    private void assertCode(String body, String code) throws Exception {
        HttpResponse<String> response = send(Standins.MAILBOX, token, "application/json", body, null);
        assertThat(response.statusCode()).as(body).isEqualTo(400);
        assertThat(StandinClients.json(response.body()).at("/error/code").asText()).as(body).isEqualTo(code);
    }

    private static void assertError(HttpResponse<String> response, int status, String code, String message)
            throws Exception {
        assertThat(response.statusCode()).isEqualTo(status);
        assertThat(response.headers().firstValue("Content-Type")).hasValue("application/json; charset=utf-8");
        JsonNode error = StandinClients.json(response.body()).get("error");
        assertThat(error.get("code").asText()).isEqualTo(code);
        assertThat(error.get("message").asText()).isEqualTo(message);
        assertThat(error.at("/innerError/date").asText()).matches("\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d(:\\d\\d)?");
        assertThat(error.at("/innerError/request-id").asText()).isNotBlank();
    }

    private HttpResponse<String> send(String mailbox, String bearer, String contentType, String body,
                                      String clientRequestId) throws Exception {
        return StandinClients.HTTP.send(request(mailbox, bearer, contentType, body, clientRequestId),
                HttpResponse.BodyHandlers.ofString());
    }

    private HttpRequest request(String mailbox, String bearer, String contentType, String body,
                                String clientRequestId) {
        HttpRequest.Builder builder = HttpRequest.newBuilder(URI.create(graph.sendMailUrl(mailbox)))
                .header("Content-Type", contentType)
                .POST(HttpRequest.BodyPublishers.ofString(body));
        if (bearer != null) {
            builder.header("Authorization", "Bearer " + bearer);
        }
        if (clientRequestId != null) {
            builder.header("client-request-id", clientRequestId);
        }
        return builder.build();
    }
}
