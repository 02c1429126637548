package io.graphmailer.adapter.in.functions;

import com.azure.data.tables.TableClient;
import com.azure.data.tables.TableClientBuilder;
import com.azure.data.tables.models.TableEntity;
import com.azure.storage.queue.QueueClient;
import com.azure.storage.queue.models.QueueMessageItem;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.graphmailer.standin.GraphFault;
import io.graphmailer.standin.Standins;
import io.graphmailer.support.Azurite;
import io.graphmailer.support.AzuriteResource;
import io.graphmailer.support.FunctionsHostDriver;
import io.graphmailer.support.StandinsResource;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

/** Queue-triggered sends against real Azure Storage (Azurite) and the Graph stand-in, driven as the host drives them. */
@QuarkusTest
@WithTestResource(StandinsResource.class)
@WithTestResource(value = AzuriteResource.class, initArgs = @ResourceArg(name = "name", value = "main"))
class QueueSendTest {
    static final ObjectMapper JSON = new ObjectMapper();
    private static final String QUEUE = AzuriteResource.queueName("main");

    @TestHTTPResource("/OutboxQueue")
    URI handler;

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

    static String envelope(String mailbox, String subject, String key) {
        String body = "{\"message\":{\"subject\":\"" + subject + "\",\"body\":{\"contentType\":\"text\",\"content\":\"hello\"},"
                + "\"toRecipients\":[{\"emailAddress\":{\"address\":\"ops@fabrikam.example\"}}]}}";
        return "{\"version\":1,\"mailbox\":\"" + mailbox + "\",\"sendMail\":" + body
                + (key == null ? "" : ",\"idempotencyKey\":\"" + key + "\"") + "}";
    }

    static List<JsonNode> read(QueueClient q) throws Exception {
        List<JsonNode> out = new ArrayList<>();
        for (QueueMessageItem m : q.receiveMessages(32)) {
            out.add(JSON.readTree(m.getBody().toString()));
        }
        return out;
    }

    @Test
    void givenABatchOf200_then200AcceptedSendsAndNothingLeft() throws Exception {
        Set<String> subjects = new HashSet<>();
        for (int i = 0; i < 200; i++) {
            subjects.add("batch " + i);
            outbox.sendMessage(envelope(standins.mailbox(), "batch " + i, null));
        }
        host.drain(Duration.ofMinutes(3));

        var accepted = standins.graph().acceptedMessages(standins.mailbox());
        assertThat(accepted).hasSize(200);
        Set<String> sent = new HashSet<>();
        accepted.forEach(m -> sent.add(m.json().path("message").path("subject").asText()));
        assertThat(sent).isEqualTo(subjects);
        assertThat(read(deadLetter)).isEmpty();
        assertThat(read(poison)).isEmpty();
        assertThat(standins.graph().maxConcurrentRequests(standins.mailbox())).isLessThanOrEqualTo(4);
    }

    @Test
    void givenTheSameMessageDeliveredTwice_thenSentOnce() throws Exception {
        String message = envelope(standins.mailbox(), "twice", "order-4711-shipped");
        outbox.sendMessage(message);
        host.drain(Duration.ofSeconds(30));
        outbox.sendMessage(message); // a redelivery, e.g. the host lost the delete
        host.drain(Duration.ofSeconds(30));
        assertThat(standins.graph().acceptedMessages(standins.mailbox())).hasSize(1);
        assertThat(host.failedInvocations()).isZero();
    }

    @Test
    void givenInvalidJsonUnknownVersionAndDisallowedMailbox_thenDeadLetteredAtOnceWithTheReason() throws Exception {
        outbox.sendMessage("{not json");
        outbox.sendMessage(envelope(standins.mailbox(), "v2", null).replace("\"version\":1", "\"version\":2"));
        outbox.sendMessage(envelope("intruder@contoso.test", "not allowed", null));
        outbox.sendMessage(envelope(standins.mailbox(), "bad\\r\\nBcc: x@y.example", null));
        host.drain(Duration.ofSeconds(30));

        assertThat(standins.graph().sendMailRequests()).isZero();
        assertThat(host.failedInvocations()).as("permanent failures burn no retries").isZero();
        List<JsonNode> kept = read(deadLetter);
        assertThat(kept).extracting(n -> n.path("code").asText())
                .containsExactlyInAnyOrder("InvalidJson", "UnsupportedVersion", "SenderNotAllowed", "InvalidMessage");
        assertThat(kept).anySatisfy(n -> assertThat(n.path("original").asText()).isEqualTo("{not json"));
        assertThat(kept).filteredOn(n -> n.path("code").asText().equals("InvalidMessage"))
                .allSatisfy(n -> assertThat(n.path("reason").asText()).contains("sendMail.message.subject"));
    }

    @Test
    void givenGraph403ForAMailboxOutOfScope_thenDeadLetteredNotRetried() throws Exception {
        outbox.sendMessage(envelope(StandinsResource.UNSCOPED_MAILBOX, "scoped out", null));
        host.drain(Duration.ofSeconds(30));
        assertThat(standins.graph().requests()).as("one call, refused").singleElement()
                .satisfies(r -> assertThat(r.status()).isEqualTo(403));
        List<JsonNode> kept = read(deadLetter);
        assertThat(kept).singleElement().satisfies(n -> {
            assertThat(n.path("code").asText()).isEqualTo("MailboxOutOfScope");
            assertThat(n.path("reason").asText()).contains("Exchange RBAC");
        });
        assertThat(host.failedInvocations()).isZero();
    }

    @Test
    void given429WithRetryAfter_thenDelayedAtLeastThatLongDeliveredOnceAndDequeueCountNotUsed() throws Exception {
        // Three 429s use up the in-request retries; the message is re-enqueued with the service's delay.
        standins.graph().injectFaults(3, GraphFault.throttled(2));
        outbox.sendMessage(envelope(standins.mailbox(), "throttled", null));
        Instant start = Instant.now();
        host.drain(Duration.ofSeconds(60));

        var accepted = standins.graph().acceptedMessages(standins.mailbox());
        assertThat(accepted).hasSize(1);
        assertThat(Duration.between(start, accepted.get(0).acceptedAt())).isGreaterThanOrEqualTo(Duration.ofSeconds(2));
        assertThat(host.failedInvocations()).as("no invocation failed, so the host's dequeue count was never spent").isZero();
        assertThat(read(poison)).isEmpty();
    }

    @Test
    void givenRepeated503_thenPoisonedAfterTheConfiguredAttemptsWithTheReason() throws Exception {
        standins.graph().injectFaults(100, GraphFault.serviceUnavailable());
        String message = envelope(standins.mailbox(), "always busy", "busy-1");
        outbox.sendMessage(message);
        host.drain(Duration.ofSeconds(60));

        assertThat(standins.graph().sendMailRequests(standins.mailbox())).as("max-attempts = 3").isEqualTo(3);
        assertThat(standins.graph().acceptedMessages()).isEmpty();
        List<JsonNode> kept = read(poison);
        assertThat(kept).singleElement().satisfies(n -> {
            assertThat(n.path("code").asText()).isEqualTo("ServiceUnavailable");
            assertThat(n.path("reason").asText()).contains("gave up after 3 attempts");
            assertThat(n.path("original").asText()).isEqualTo(message);
        });
    }

    @Test
    void givenACrashAfterGraphAcceptedButBeforeTheLedgerWasUpdated_thenPolicyResendSendsAgain() throws Exception {
        String key = "crash-1";
        seedAttemptingEntry(key);
        outbox.sendMessage(envelope(standins.mailbox(), "after crash", key));
        host.drain(Duration.ofSeconds(30));
        // Policy resend: the earlier attempt may have been delivered; this is the documented duplicate risk.
        assertThat(standins.graph().acceptedMessages(standins.mailbox())).hasSize(1);
        assertThat(read(deadLetter)).isEmpty();
        assertThat(ledger().getEntity(TableRow.partition(key), TableRow.row(key)).getProperty("State")).isEqualTo("SENT");
    }

    @Test
    void givenGraphTimesOutAfterAccepting_thenPolicyResendDeliversAgainAndCountsIt() throws Exception {
        standins.graph().injectFaults(1, GraphFault.acceptThenDelay(Duration.ofSeconds(8))); // the app gives up after 5 s
        outbox.sendMessage(envelope(standins.mailbox(), "slow graph", "slow-1"));
        host.drain(Duration.ofSeconds(60));
        // Graph did take the first one: the resend is the documented price of policy resend.
        assertThat(standins.graph().acceptedMessages(standins.mailbox())).hasSize(2);
        assertThat(ledger().getEntity(TableRow.partition("slow-1"), TableRow.row("slow-1")).getProperty("SendAttempts")).isEqualTo(2);
        assertThat(read(deadLetter)).isEmpty();
    }

    @Test
    void givenMoreParallelInvocationsThanGraphAllows_thenNeverMoreThan4InFlightPerMailbox() throws Exception {
        standins.graph().responseDelay(Duration.ofMillis(150));
        standins.graph().mailboxConcurrencyLimit(4, 5);
        try (FunctionsHostDriver wide = new FunctionsHostDriver(Azurite.shared().connectionString(), QUEUE, handler, 16, 5,
                Duration.ofMillis(200))) {
            for (int i = 0; i < 48; i++) {
                outbox.sendMessage(envelope(standins.mailbox(), "parallel " + i, null));
            }
            wide.drain(Duration.ofMinutes(2));
        }
        assertThat(standins.graph().acceptedMessages(standins.mailbox())).hasSize(48);
        assertThat(standins.graph().maxConcurrentRequests(standins.mailbox())).isBetween(2, 4);
        assertThat(standins.graph().requests()).noneMatch(r -> r.status() == 429);
    }

    TableClient ledger() {
        return ledger("main");
    }

    static TableClient ledger(String name) {
        return new TableClientBuilder().connectionString(Azurite.shared().connectionString())
                .tableName(AzuriteResource.ledgerTable(name)).buildClient();
    }

    void seedAttemptingEntry(String key) {
        seedAttemptingEntry(ledger(), key);
    }

    /** What the ledger holds when the process died between Graph's 202 and the outcome write. */
    static void seedAttemptingEntry(TableClient table, String key) {
        try {
            table.createTable();
        } catch (RuntimeException alreadyThere) {
            // created by the app at startup
        }
        table.upsertEntity(new TableEntity(TableRow.partition(key), TableRow.row(key))
                .addProperty("IdempotencyKey", key).addProperty("State", "ATTEMPTING")
                .addProperty("TrackingId", "0f8fad5b-d9cb-469f-a165-70867728950e").addProperty("SendAttempts", 1)
                .addProperty("UpdatedAt", OffsetDateTime.ofInstant(Instant.now(), ZoneOffset.UTC)));
    }

    /** The ledger's documented key layout: row = SHA-256 hex of the idempotency key, partition = its first 2 hex digits. */
    static final class TableRow {
        static String row(String key) {
            try {
                return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(key.getBytes(StandardCharsets.UTF_8)));
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        }

        static String partition(String key) {
            return row(key).substring(0, 2);
        }
    }
}
