package io.graphmailer.adapter.in.http;

import com.azure.storage.queue.QueueClient;
import com.azure.storage.queue.models.QueueMessageItem;
import io.graphmailer.application.port.out.DeliveryLog;
import io.graphmailer.domain.TrackingId;
import io.graphmailer.domain.delivery.DeliveryState;
import io.graphmailer.standin.Standins;
import io.graphmailer.support.Azurite;
import io.graphmailer.support.AzuriteResource;
import io.graphmailer.support.FunctionsHostDriver;
import io.graphmailer.support.StandinsResource;
import io.graphmailer.support.TestTokens;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.response.Response;
import jakarta.inject.Inject;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;

/** /api/deadletter against Azurite's queues, the Graph stand-in and the queue function as the host drives it. */
@QuarkusTest
@WithTestResource(StandinsResource.class)
@WithTestResource(value = AzuriteResource.class, initArgs = @ResourceArg(name = "name", value = "deadletterapi"))
class DeadLetterApiTest {
    private static final String QUEUE = AzuriteResource.queueName("deadletterapi");

    @TestHTTPResource("/OutboxQueue")
    URI handler;

    @Inject
    DeliveryLog deliveryLog;

    private final Standins standins = Standins.shared();
    private QueueClient outbox;
    private QueueClient deadLetter;
    private QueueClient poison;
    private FunctionsHostDriver host;

    @BeforeEach
    void setUp() {
        standins.reset();
        new StandinsResource().prepare(standins);
        String cs = Azurite.shared().connectionString();
        FunctionsHostDriver.Queues queues = FunctionsHostDriver.Queues.empty(cs, QUEUE);
        outbox = queues.outbox();
        deadLetter = queues.deadLetter();
        poison = queues.poison();
        host = FunctionsHostDriver.fromHostJson(cs, QUEUE, handler);
    }

    @AfterEach
    void tearDown() {
        host.close();
    }

    private static String admin() {
        return "Bearer " + TestTokens.sign(TestTokens.builder(TestTokens.ISSUER, TestTokens.AUDIENCE,
                List.of(TestTokens.ROLE, Caller.ADMIN_ROLE), Instant.now().plusSeconds(600)));
    }

    private String envelope(String subject, String key) {
        return "{\"version\":1,\"mailbox\":\"" + standins.mailbox() + "\",\"sendMail\":{\"message\":{\"subject\":\"" + subject + "\","
                + "\"body\":{\"contentType\":\"text\",\"content\":\"hello\"},"
                + "\"toRecipients\":[{\"emailAddress\":{\"address\":\"ops@fabrikam.example\"}}]}},\"idempotencyKey\":\"" + key + "\"}";
    }

    private static String kept(String original, String code) {
        return "{\"keptBy\":\"graph-mailer\",\"queue\":\"dead-letter\",\"code\":\"" + code + "\",\"reason\":\"parked\",\"at\":\""
                + Instant.now() + "\",\"original\":" + com.fasterxml.jackson.databind.node.TextNode.valueOf(original) + "}";
    }

    private static int count(QueueClient q) {
        List<QueueMessageItem> seen = new ArrayList<>();
        q.peekMessages(32, null, null).forEach(m -> seen.add(null));
        return seen.size();
    }

    @Test
    void givenACallerWithoutTheAdminRole_thenEveryDeadLetterRouteIsRefusedWith403AndNothingChanges() {
        deadLetter.sendMessage(kept(envelope("keep me", "refused-1"), "OutcomeUnknown"));
        for (String[] route : List.of(new String[] {"GET", "/api/deadletter"}, new String[] {"GET", "/api/deadletter/x"},
                new String[] {"POST", "/api/deadletter/replay?all=true"}, new String[] {"POST", "/api/deadletter/x/replay"},
                new String[] {"POST", "/api/deadletter/purge?all=true"}, new String[] {"DELETE", "/api/deadletter/x"})) {
            given().header("Authorization", TestTokens.bearer()).accept("application/problem+json")
                    .when().request(route[0], route[1])
                    .then().statusCode(403).contentType("application/problem+json")
                    .body("detail", containsString(Caller.ADMIN_ROLE));
        }
        assertThat(count(deadLetter)).isEqualTo(1);
        assertThat(count(outbox)).isZero();
    }

    @Test
    void givenAMessageThatWasSentAndThenPoisonedByTheHost_whenReplayed_thenTheLedgerStopsASecondSend() throws Exception {
        String message = envelope("sent already", "order-77");
        outbox.sendMessage(message);
        host.drain(Duration.ofSeconds(30));
        assertThat(standins.graph().acceptedMessages(standins.mailbox())).hasSize(1);
        // E.g. the host lost the acknowledgement and moved the message to the poison queue as it was.
        poison.sendMessage(message);

        Response list = given().header("Authorization", admin()).when().get("/api/deadletter?queue=poison");
        list.then().statusCode(200).body("total", equalTo(1)).body("entries[0].code", equalTo("MaxDequeueCount"))
                .body("entries[0].trackingId", equalTo(TrackingId.fromIdempotencyKey("order-77")));
        String id = list.path("entries[0].id");
        given().header("Authorization", admin()).when().get("/api/deadletter/" + id)
                .then().statusCode(200).body("original", equalTo(message)).body("idempotencyKey", equalTo("order-77"));

        given().header("Authorization", admin()).when().post("/api/deadletter/" + id + "/replay")
                .then().statusCode(200).body("done", equalTo(1)).body("matched", equalTo(1));
        host.drain(Duration.ofSeconds(30));

        assertThat(standins.graph().acceptedMessages(standins.mailbox())).as("sent once, before the replay").hasSize(1);
        assertThat(count(poison)).isZero();
        assertThat(count(outbox)).isZero();
        var record = deliveryLog.find(TrackingId.fromIdempotencyKey("order-77")).orElseThrow();
        assertThat(record.history()).anySatisfy(e -> {
            assertThat(e.state()).isEqualTo(DeliveryState.REPLAYED);
            assertThat(e.reason()).contains("replayed by " + TestTokens.CALLER_APP);
        });
    }

    @Test
    void givenAParkedMessageThatWasNeverSent_whenReplayedByFilter_thenItIsSentOnce() throws Exception {
        deadLetter.sendMessage(kept(envelope("never went out", "order-88"), "OutcomeUnknown"));
        deadLetter.sendMessage(kept(envelope("other code", "order-89"), "ErrorInvalidRecipients"));

        given().header("Authorization", admin()).when().post("/api/deadletter/replay?code=OutcomeUnknown&dryRun=true")
                .then().statusCode(200).body("dryRun", equalTo(true)).body("wouldAct", equalTo(1));
        assertThat(count(outbox)).isZero();
        given().header("Authorization", admin()).when().post("/api/deadletter/replay?code=OutcomeUnknown")
                .then().statusCode(200).body("done", equalTo(1)).body("skipped", equalTo(0));
        host.drain(Duration.ofSeconds(30));

        var accepted = standins.graph().acceptedMessages(standins.mailbox());
        assertThat(accepted).singleElement()
                .satisfies(m -> assertThat(m.json().path("message").path("subject").asText()).isEqualTo("never went out"));
        given().header("Authorization", admin()).when().post("/api/deadletter/purge?code=ErrorInvalidRecipients")
                .then().statusCode(200).body("done", equalTo(1));
        assertThat(count(deadLetter)).isZero();
    }

    @Test
    void givenBadInput_thenProblemsNamingTheField() {
        given().header("Authorization", admin()).accept("application/problem+json").when().get("/api/deadletter?olderThan=yesterday")
                .then().statusCode(400).contentType("application/problem+json").body("errors[0].field", equalTo("olderThan"));
        given().header("Authorization", admin()).accept("application/problem+json").when().get("/api/deadletter?queue=outbox")
                .then().statusCode(400).body("errors[0].field", equalTo("queue"));
        given().header("Authorization", admin()).accept("application/problem+json").when().get("/api/deadletter?limit=0")
                .then().statusCode(400).body("errors[0].field", equalTo("limit"));
        // Replaying or purging everything takes an explicit all=true.
        given().header("Authorization", admin()).accept("application/problem+json").when().post("/api/deadletter/purge")
                .then().statusCode(400).body("errors[0].field", equalTo("all"));
        given().header("Authorization", admin()).accept("application/problem+json").when().get("/api/deadletter/no-such-id")
                .then().statusCode(404).contentType("application/problem+json");
    }
}
