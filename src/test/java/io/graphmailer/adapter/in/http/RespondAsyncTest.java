package io.graphmailer.adapter.in.http;

import com.azure.storage.queue.QueueClient;
import com.azure.storage.queue.models.PeekedMessageItem;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.graphmailer.domain.TrackingId;
import io.graphmailer.support.Azurite;
import io.graphmailer.support.AzuriteResource;
import io.graphmailer.support.BudgetResource;
import io.graphmailer.support.FunctionsHostDriver;
import io.graphmailer.support.Outbox;
import io.graphmailer.support.SendMailBodies;
import io.graphmailer.support.TestTokens;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.response.ExtractableResponse;
import io.restassured.response.Response;
import jakarta.mail.internet.MimeMessage;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code Prefer: respond-async} where an outbox queue exists (Azurite): the message goes on the queue as the envelope
 * jobs write, 202 carries the tracking id the queued send carries, and the queue function sends it once.
 */
@QuarkusTest
@WithTestResource(value = AzuriteResource.class, initArgs = @ResourceArg(name = "name", value = "async"))
@WithTestResource(value = BudgetResource.class, initArgs = @ResourceArg(name = "enqueue", value = "queue"))
class RespondAsyncTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String QUEUE = AzuriteResource.queueName("async");

    @TestHTTPResource("/OutboxQueue")
    URI handler;

    private QueueClient outbox;

    @BeforeEach
    void setUp() {
        Outbox.clear();
        outbox = FunctionsHostDriver.Queues.empty(Azurite.shared().connectionString(), QUEUE).outbox();
    }

    private static ExtractableResponse<Response> send(String mailbox, String prefer, String clientRequestId) {
        var request = given().header("Authorization", TestTokens.bearer()).contentType(ContentType.JSON).body(SendMailBodies.minimal());
        if (prefer != null) {
            request.header("Prefer", prefer);
        }
        if (clientRequestId != null) {
            request.header("client-request-id", clientRequestId);
        }
        return request.when().post("/api/v1.0/users/" + mailbox + "/sendMail").then().extract();
    }

    private List<JsonNode> queued() throws Exception {
        List<JsonNode> out = new ArrayList<>();
        for (PeekedMessageItem m : outbox.peekMessages(32, null, null)) {
            out.add(JSON.readTree(m.getBody().toString()));
        }
        return out;
    }

    @Test
    void givenPreferRespondAsync_then202WithPreferenceAppliedAndTheEnvelopeOnTheQueueCarriesTheSameTrackingId() throws Exception {
        ExtractableResponse<Response> r = send("noreply@contoso.example", "respond-async, wait=10", "0f8fad5b-d9cb-469f-a165-70867728950e");

        assertThat(r.statusCode()).isEqualTo(202);
        assertThat(r.header("Preference-Applied")).isEqualTo("respond-async");
        assertThat(r.jsonPath().getString("status")).isEqualTo("queued");
        String trackingId = r.jsonPath().getString("trackingId");
        assertThat(r.header("request-id")).isEqualTo(trackingId);
        assertThat(Outbox.files()).as("queued, not sent").isEmpty();

        List<JsonNode> envelopes = queued();
        assertThat(envelopes).hasSize(1);
        JsonNode envelope = envelopes.get(0);
        assertThat(envelope.path("version").asInt()).isEqualTo(1);
        assertThat(envelope.path("mailbox").asText()).isEqualTo("noreply@contoso.example");
        assertThat(envelope.path("sendMail").path("message").path("subject").asText()).isEqualTo("s");
        String key = envelope.path("idempotencyKey").asText();
        assertThat(key).startsWith("http-async:").contains("0f8fad5b-d9cb-469f-a165-70867728950e");
        assertThat(TrackingId.fromIdempotencyKey(key)).isEqualTo(trackingId);

        try (FunctionsHostDriver host = FunctionsHostDriver.fromHostJson(Azurite.shared().connectionString(), QUEUE, handler)) {
            host.drain(Duration.ofSeconds(30));
        }
        MimeMessage sent = Outbox.only();
        assertThat(sent.getHeader("X-Graph-Mailer-Tracking-Id", null)).isEqualTo(trackingId);
    }

    @Test
    void givenTheSameAsyncRequestRetried_thenTheSameTrackingIdAndOneSend() throws Exception {
        String first = send("noreply@contoso.example", "respond-async", "retry-me-42").jsonPath().getString("trackingId");
        String again = send("noreply@contoso.example", "respond-async", "retry-me-42").jsonPath().getString("trackingId");

        assertThat(again).isEqualTo(first);
        // One delivery at a time: the second then finds the first SENT in the ledger. Two deliveries of one key in the same
        // batch are the lease's case (QueueSendTest): the second is deferred past the first's lease (over a minute).
        try (FunctionsHostDriver host = new FunctionsHostDriver(Azurite.shared().connectionString(), QUEUE, handler, 1, 5,
                Duration.ofMillis(200))) {
            host.drain(Duration.ofSeconds(30));
        }
        assertThat(Outbox.files()).hasSize(1);
    }

    @Test
    void givenAMailboxOverItsBudgetAndPreferRespondAsync_then202QueuedInsteadOf429() throws Exception {
        assertThat(send(BudgetResource.ASYNC, null, null).statusCode()).isEqualTo(202);
        assertThat(send(BudgetResource.ASYNC, null, null).statusCode()).isEqualTo(429);

        ExtractableResponse<Response> r = send(BudgetResource.ASYNC, "respond-async", null);

        assertThat(r.statusCode()).isEqualTo(202);
        assertThat(r.header("Preference-Applied")).isEqualTo("respond-async");
        assertThat(queued()).extracting(n -> n.path("mailbox").asText()).containsExactly(BudgetResource.ASYNC);
    }

    @Test
    void givenPreferRespondAsyncOnTheMimeForm_thenThePreferenceIsNotAppliedAndTheMessageIsSentNow() throws Exception {
        String mime = "From: noreply@contoso.example\r\nTo: ops@fabrikam.example\r\nSubject: mime\r\nMIME-Version: 1.0\r\n"
                + "Content-Type: text/plain; charset=us-ascii\r\n\r\nbody\r\n";
        ExtractableResponse<Response> r = given().header("Authorization", TestTokens.bearer()).header("Prefer", "respond-async")
                .contentType("text/plain").body(java.util.Base64.getEncoder().encodeToString(mime.getBytes(java.nio.charset.StandardCharsets.US_ASCII)))
                .when().post("/api/users/noreply@contoso.example/sendMail").then().extract();

        assertThat(r.statusCode()).isEqualTo(202);
        assertThat(r.header("Preference-Applied")).isNull();
        assertThat(r.jsonPath().getString("status")).isEqualTo("accepted");
        assertThat(Outbox.files()).hasSize(1);
        assertThat(queued()).isEmpty();
    }
}
