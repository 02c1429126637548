package io.graphmailer.adapter.in.functions;

import com.azure.data.tables.TableClient;
import com.azure.data.tables.models.TableEntity;
import com.azure.storage.queue.QueueClient;
import io.graphmailer.standin.GraphFault;
import io.graphmailer.standin.GraphStandin;
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
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.HashMap;
import java.util.Map;
import java.util.UUID;

import static io.graphmailer.adapter.in.functions.QueueSendTest.envelope;
import static io.graphmailer.adapter.in.functions.QueueSendTest.read;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Unknown-outcome policy verify (the default) and the ledger's leases: a second delivery during a claim is put back,
 * an unknown outcome is looked up in Sent Items after the settle time, and a message is sent again only when absent.
 */
@QuarkusTest
@WithTestResource(value = StandinsResource.class, initArgs = {@ResourceArg(name = "graphRoles", value = "Mail.Send,Mail.ReadBasic"),
        @ResourceArg(name = "retryBudget", value = "PT5S")})
@WithTestResource(value = AzuriteResource.class, initArgs = {@ResourceArg(name = "name", value = "verify"),
        @ResourceArg(name = "policy", value = "verify"), @ResourceArg(name = "settle", value = "PT2S"),
        @ResourceArg(name = "lease", value = "PT15S")})
class QueueVerifyPolicyTest {
    private static final String QUEUE = AzuriteResource.queueName("verify");

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
        standins.identity().grantRoles(Standins.CLIENT_ID, io.graphmailer.standin.IdentityPlatformStandin.GRAPH_RESOURCE,
                java.util.Set.of(GraphStandin.MAIL_SEND, "Mail.ReadBasic"));
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

    private static TableClient ledger() {
        return QueueSendTest.ledger("verify");
    }

    private static Object state(String key) {
        return ledger().getEntity(QueueSendTest.TableRow.partition(key), QueueSendTest.TableRow.row(key)).getProperty("State");
    }

    private static String trackingId(String key) {
        return UUID.nameUUIDFromBytes(key.getBytes(StandardCharsets.UTF_8)).toString();
    }

    private long sentItemsWith(String key) {
        return standins.graph().sentItems().stream()
                .filter(i -> i.json().path("internetMessageId").asText().startsWith("<" + trackingId(key) + "@")).count();
    }

    @Test
    void givenGraphTimesOutAfterAccepting_thenFoundInSentItemsAfterTheSettleTimeAndNotSentAgain() throws Exception {
        standins.graph().injectFaults(1, GraphFault.acceptThenDelay(Duration.ofSeconds(8))); // the app gives up after 5 s
        outbox.sendMessage(envelope(standins.mailbox(), "slow graph", "verify-slow-1"));
        host.drain(Duration.ofSeconds(60));

        assertThat(standins.graph().acceptedMessages(standins.mailbox())).hasSize(1);
        assertThat(standins.graph().sendMailRequests(standins.mailbox())).isEqualTo(1);
        assertThat(standins.graph().folderLookups()).singleElement().asString().startsWith("internetMessageId eq '<" + trackingId("verify-slow-1"));
        assertThat(state("verify-slow-1")).isEqualTo("SENT");
        assertThat(read(deadLetter)).isEmpty();
        assertThat(read(poison)).isEmpty();
    }

    @Test
    void givenGraphAnswers504AfterAccepting_thenFoundInSentItemsAndSentOnce() throws Exception {
        standins.graph().injectFaults(1, GraphFault.acceptThen504());
        outbox.sendMessage(envelope(standins.mailbox(), "504 after accept", "verify-504-1"));
        host.drain(Duration.ofSeconds(60));

        assertThat(standins.graph().acceptedMessages(standins.mailbox())).hasSize(1);
        assertThat(sentItemsWith("verify-504-1")).isEqualTo(1);
        assertThat(state("verify-504-1")).isEqualTo("SENT");
        assertThat(read(deadLetter)).isEmpty();
    }

    @Test
    void givenAClaimWhoseLeaseRanOutAndTheMessageIsNotInSentItems_thenSentOnceAfterLooking() throws Exception {
        String key = "verify-crash-before-send";
        seedClaim(key, Instant.now().minusSeconds(60));
        outbox.sendMessage(envelope(standins.mailbox(), "crashed before the request", key));
        host.drain(Duration.ofSeconds(60));

        assertThat(standins.graph().acceptedMessages(standins.mailbox())).hasSize(1);
        assertThat(standins.graph().folderLookups()).hasSize(1);
        assertThat(state(key)).isEqualTo("SENT");
    }

    @Test
    void givenAClaimStillWithinItsLease_thenTheDeliveryIsPutBackNotSentNotParkedAndSentOnceAfterTheLease() throws Exception {
        String key = "verify-in-progress";
        // Another worker claimed it 1 s ago and died: until its lease (4 s from now) ends nothing may happen.
        seedClaim(key, Instant.now().plusSeconds(4));
        outbox.sendMessage(envelope(standins.mailbox(), "claimed elsewhere", key));
        Instant start = Instant.now();
        host.drain(Duration.ofSeconds(60));

        var accepted = standins.graph().acceptedMessages(standins.mailbox());
        assertThat(accepted).hasSize(1);
        assertThat(accepted.get(0).acceptedAt()).as("not before the lease plus the settle time").isAfter(start.plusSeconds(4));
        assertThat(read(deadLetter)).as("not parked").isEmpty();
        assertThat(ledger().getEntity(QueueSendTest.TableRow.partition(key), QueueSendTest.TableRow.row(key)).getProperty("SendAttempts"))
                .as("the put-back delivery was not counted as an attempt").isEqualTo(2);
    }

    @Test
    void givenTheSameEnvelopeEnqueuedTwiceAndDeliveredAtOnce_thenEachSentOnceAndNoneParked() throws Exception {
        standins.graph().responseDelay(Duration.ofMillis(400)); // both copies are in the app while the first is sending
        Map<String, String> subjects = new HashMap<>();
        for (int i = 0; i < 8; i++) {
            String message = envelope(standins.mailbox(), "twice " + i, "verify-twice-" + i);
            outbox.sendMessage(message);
            outbox.sendMessage(message);
            subjects.put("twice " + i, message);
        }
        host.drain(Duration.ofSeconds(90));

        var accepted = standins.graph().acceptedMessages(standins.mailbox());
        assertThat(accepted).extracting(m -> m.json().path("message").path("subject").asText())
                .containsExactlyInAnyOrderElementsOf(subjects.keySet());
        assertThat(read(deadLetter)).isEmpty();
        assertThat(read(poison)).isEmpty();
        assertThat(host.failedInvocations()).isZero();
    }

    @Test
    void givenSaveToSentItemsFalseAfterAnUnknownOutcome_thenNoLookupAndTheFallbackResendApplies() throws Exception {
        String key = "verify-no-copy";
        seedClaim(key, Instant.now().minusSeconds(60));
        outbox.sendMessage(envelope(standins.mailbox(), "no copy", key).replace("\"toRecipients\"", "\"toRecipients\"")
                .replace("}},\"idempotencyKey\"", "},\"saveToSentItems\":false},\"idempotencyKey\""));
        host.drain(Duration.ofSeconds(60));

        assertThat(standins.graph().folderLookups()).as("nothing to look for").isEmpty();
        assertThat(standins.graph().acceptedMessages(standins.mailbox())).hasSize(1);
        assertThat(standins.graph().acceptedMessages().get(0).json().path("saveToSentItems").asBoolean(true)).isFalse();
        assertThat(state(key)).isEqualTo("SENT");
    }

    @Test
    void givenTheTokenLacksMailReadBasic_thenTheDoctorWarnsNamingThePermission() {
        String check = "role Mail.ReadBasic in the Sent Items lookup token";
        assertThat(doctorCheck(check).get("status")).as("granted").isEqualTo("OK");

        standins.identity().grantRoles(Standins.CLIENT_ID, io.graphmailer.standin.IdentityPlatformStandin.GRAPH_RESOURCE,
                java.util.Set.of(GraphStandin.MAIL_SEND));
        try {
            Map<String, Object> missing = doctorCheck(check);
            assertThat(missing.get("status")).isEqualTo("WARN");
            assertThat((String) missing.get("detail")).contains("no Mail.ReadBasic role");
            assertThat((String) missing.get("fix")).contains("Mail.ReadBasic");
        } finally {
            // The doctor asks for fresh tokens, which the app then caches: leave it one with the role for the other tests.
            standins.identity().grantRoles(Standins.CLIENT_ID, io.graphmailer.standin.IdentityPlatformStandin.GRAPH_RESOURCE,
                    java.util.Set.of(GraphStandin.MAIL_SEND, "Mail.ReadBasic"));
            doctorCheck(check);
        }
    }

    private static Map<String, Object> doctorCheck(String name) {
        java.util.List<Map<String, Object>> checks = io.restassured.RestAssured.given()
                .header("Authorization", io.graphmailer.support.TestTokens.bearer())
                .when().get("/api/doctor").then().statusCode(200).extract().jsonPath().getList("checks");
        return checks.stream().filter(c -> name.equals(c.get("name"))).findFirst()
                .orElseThrow(() -> new AssertionError("no check named " + name + " in " + checks));
    }

    /** A claim as another worker leaves it: ATTEMPTING with its lease. */
    private void seedClaim(String key, Instant leaseUntil) {
        TableClient table = ledger();
        try {
            table.createTable();
        } catch (RuntimeException alreadyThere) {
            // created by the app at startup
        }
        table.upsertEntity(new TableEntity(QueueSendTest.TableRow.partition(key), QueueSendTest.TableRow.row(key))
                .addProperty("IdempotencyKey", key).addProperty("State", "ATTEMPTING")
                .addProperty("TrackingId", trackingId(key)).addProperty("SendAttempts", 1)
                .addProperty("UpdatedAt", OffsetDateTime.ofInstant(Instant.now().minusSeconds(1), ZoneOffset.UTC))
                .addProperty("LeaseUntil", OffsetDateTime.ofInstant(leaseUntil, ZoneOffset.UTC)));
    }
}
