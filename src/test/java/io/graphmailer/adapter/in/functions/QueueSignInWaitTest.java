package io.graphmailer.adapter.in.functions;

import com.azure.data.tables.models.TableEntity;
import com.azure.storage.queue.QueueClient;
import com.azure.storage.queue.models.QueueMessageItem;
import com.fasterxml.jackson.databind.JsonNode;
import io.graphmailer.adapter.out.identity.DeviceCodeSignIn;
import io.graphmailer.domain.TrackingId;
import io.graphmailer.standin.Standins;
import io.graphmailer.support.Azurite;
import io.graphmailer.support.AzuriteResource;
import io.graphmailer.support.DelegatedResource;
import io.graphmailer.support.FunctionsHostDriver;
import io.graphmailer.support.HostDelivery;
import io.graphmailer.support.StandinsResource;
import io.graphmailer.support.TestTokens;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.path.json.JsonPath;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import java.util.UUID;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Queued mail of a delegated mailbox that needs a sign-in waits on the queue (Azurite) instead of being dead-lettered:
 * deferred, not counted as an attempt, the ledger and the delivery log saying what for; sent once after a sign-in;
 * dead-lettered, naming the command, only once GRAPH_MAILER_DELEGATED_SIGN_IN_WAIT (P3D) has passed since it first
 * waited, which the message carries on the queue.
 */
@QuarkusTest
@WithTestResource(StandinsResource.class)
@WithTestResource(value = AzuriteResource.class, initArgs = @ResourceArg(name = "name", value = "signinwait"))
@WithTestResource(value = DelegatedResource.class, initArgs = @ResourceArg(name = "name", value = "signinwait"))
class QueueSignInWaitTest {
    private static final String QUEUE = AzuriteResource.queueName("signinwait");
    private static final String MAILBOX = DelegatedResource.MAILBOX;

    @TestHTTPResource("/OutboxQueue")
    URI handler;

    private final Standins standins = Standins.shared();
    private QueueClient outbox;
    private QueueClient deadLetter;

    @BeforeEach
    void setUp() {
        standins.reset();
        new StandinsResource().prepare(standins);
        DelegatedResource.prepare(standins, Set.of(DeviceCodeSignIn.GRAPH_MAIL_SEND));
        FunctionsHostDriver.Queues queues = FunctionsHostDriver.Queues.empty(Azurite.shared().connectionString(), QUEUE);
        outbox = queues.outbox();
        deadLetter = queues.deadLetter();
        DelegatedResource.signOut("signinwait", MAILBOX);
    }

    /** The operator runs {@code graph-mailer signin}; the test plays the user who enters the code. */
    private void signIn() {
        DelegatedResource.signIn(standins, "signinwait", MAILBOX);
    }

    private QueueMessageItem deliverOnce(Duration within) throws Exception {
        return HostDelivery.deliverOnce(outbox, handler, within);
    }

    private TableEntity ledgerEntry(String key) {
        return QueueSendTest.ledger("signinwait").getEntity(QueueSendTest.TableRow.partition(key), QueueSendTest.TableRow.row(key));
    }

    private static JsonPath record(String trackingId) {
        String admin = "Bearer " + TestTokens.sign(TestTokens.builder(TestTokens.ISSUER, TestTokens.AUDIENCE, List.of("GraphMailer.Admin"),
                Instant.now().plusSeconds(3600)).subject(TestTokens.CALLER_APP).claim("azp", TestTokens.CALLER_APP));
        for (int i = 0; ; i++) { // the delivery log is written off the send's path
            JsonPath r = given().header("Authorization", admin).when().get("/api/sends/" + trackingId).then().extract().jsonPath();
            if (i > 50 || "waiting".equals(r.getString("state")) || "sent".equals(r.getString("state"))
                    || "dead_lettered".equals(r.getString("state")) || "dead-lettered".equals(r.getString("state"))) {
                return r;
            }
            try {
                Thread.sleep(100);
            } catch (InterruptedException e) {
                throw new IllegalStateException(e);
            }
        }
    }

    @Test
    void givenASignedOutMailbox_thenItsQueuedMailWaitsAndIsSentOnceAfterASignIn() throws Exception {
        String key = "signin-wait-" + UUID.randomUUID();
        outbox.sendMessage(QueueSendTest.envelope(MAILBOX, "waits for a sign-in", key));

        assertThat(deliverOnce(Duration.ofSeconds(10))).isNotNull();

        assertThat(standins.graph().sendMailRequests()).as("nothing went out").isZero();
        assertThat(QueueSendTest.read(deadLetter)).as("not dead-lettered").isEmpty();
        TableEntity entry = ledgerEntry(key);
        assertThat(entry.getProperty("State")).isEqualTo("WAITING");
        assertThat(entry.getProperty("SendAttempts")).as("not counted as an attempt").isEqualTo(0);
        assertThat(entry.getProperty("WaitingFor")).isEqualTo("sign-in");
        assertThat((String) entry.getProperty("Detail")).contains("waiting for a sign-in of " + MAILBOX)
                .contains("Run: graph-mailer signin " + MAILBOX);
        JsonPath r = record(TrackingId.fromIdempotencyKey(key));
        assertThat(r.getList("history.reason", String.class)).contains("sign-in of " + MAILBOX + ": run graph-mailer signin " + MAILBOX);

        // Still signed out at the recheck (a second in this test): it waits again, the wait's start unchanged.
        QueueMessageItem again = deliverOnce(Duration.ofSeconds(10));
        assertThat(again).as("back on the queue after the recheck").isNotNull();
        JsonNode bookkeeping = QueueSendTest.JSON.readTree(again.getBody().toString()).path("graphMailer");
        assertThat(bookkeeping.path("attempt").asInt()).as("not counted as an attempt").isZero();
        Instant since = Instant.parse(bookkeeping.path("signInWaitSince").asText());
        assertThat(since).isBefore(Instant.now());

        signIn();
        QueueMessageItem sent = deliverOnce(Duration.ofSeconds(10));
        assertThat(QueueSendTest.JSON.readTree(sent.getBody().toString()).path("graphMailer").path("signInWaitSince").asText())
                .as("every worker measures the wait from the same start").isEqualTo(since.toString());

        assertThat(standins.graph().acceptedMessages(MAILBOX)).singleElement()
                .satisfies(m -> assertThat(m.appId()).isEqualTo(DelegatedResource.PUBLIC_CLIENT_ID));
        assertThat(ledgerEntry(key).getProperty("State")).isEqualTo("SENT");
        assertThat(ledgerEntry(key).getProperty("SendAttempts")).isEqualTo(1);
        assertThat(deliverOnce(Duration.ofSeconds(3))).as("nothing left on the queue").isNull();
        assertThat(QueueSendTest.read(deadLetter)).isEmpty();
    }

    @Test
    void givenMailThatHasWaitedLongerThanTheSignInWait_thenItIsDeadLetteredNamingTheCommand() throws Exception {
        String key = "signin-expired-" + UUID.randomUUID();
        // As another instance wrote it back three days and a minute ago (the setting's default wait is P3D).
        Instant since = Instant.now().minus(Duration.ofDays(3)).minus(Duration.ofMinutes(1));
        outbox.sendMessage(io.graphmailer.format.outbox.OutboxEnvelope.nextAttempt(QueueSendTest.envelope(DelegatedResource.NEVER_SIGNED_IN, "waited too long", key),
                key, 0, since));

        assertThat(deliverOnce(Duration.ofSeconds(10))).isNotNull();

        assertThat(standins.graph().sendMailRequests()).isZero();
        List<JsonNode> kept = QueueSendTest.read(deadLetter);
        assertThat(kept).singleElement().satisfies(n -> {
            assertThat(n.path("code").asText()).isEqualTo("NotSignedIn");
            assertThat(n.path("reason").asText()).contains("for a sign-in of " + DelegatedResource.NEVER_SIGNED_IN).contains("since " + since)
                    .contains("Run: graph-mailer signin " + DelegatedResource.NEVER_SIGNED_IN);
            assertThat(n.path("original").asText()).doesNotContain("signInWaitSince");
        });
        assertThat(ledgerEntry(key).getProperty("State")).isEqualTo("FAILED");
        assertThat(deliverOnce(Duration.ofSeconds(3))).as("not put back").isNull();
    }
}
