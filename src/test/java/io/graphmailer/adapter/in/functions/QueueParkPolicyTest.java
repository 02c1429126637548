package io.graphmailer.adapter.in.functions;

import com.azure.data.tables.TableClient;
import com.azure.storage.queue.QueueClient;
import com.fasterxml.jackson.databind.JsonNode;
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
import java.time.Duration;
import java.util.List;

import static io.graphmailer.adapter.in.functions.QueueSendTest.envelope;
import static io.graphmailer.adapter.in.functions.QueueSendTest.read;
import static org.assertj.core.api.Assertions.assertThat;

/** Unknown-outcome policy park: never risk a second delivery; keep the message for a person to decide. */
@QuarkusTest
@WithTestResource(StandinsResource.class)
@WithTestResource(value = AzuriteResource.class, initArgs = {@ResourceArg(name = "name", value = "park"), @ResourceArg(name = "policy", value = "park")})
class QueueParkPolicyTest {
    private static final String QUEUE = AzuriteResource.queueName("park");

    @TestHTTPResource("/OutboxQueue")
    URI handler;

    private final Standins standins = Standins.shared();
    private QueueClient outbox;
    private QueueClient deadLetter;
    private FunctionsHostDriver host;

    @BeforeEach
    void setUp() {
        standins.reset();
        new StandinsResource().prepare(standins);
        String cs = Azurite.shared().connectionString();
        FunctionsHostDriver.Queues queues = FunctionsHostDriver.Queues.empty(cs, QUEUE);
        outbox = queues.outbox();
        deadLetter = queues.deadLetter();
        host = FunctionsHostDriver.fromHostJson(cs, QUEUE, handler);
    }

    @AfterEach
    void tearDown() {
        host.close();
    }

    @Test
    void givenACrashAfterGraphAcceptedButBeforeTheLedgerWasUpdated_thenParkedNotResent() throws Exception {
        TableClient ledger = QueueSendTest.ledger("park");
        String key = "crash-park-1";
        QueueSendTest.seedAttemptingEntry(ledger, key);
        String message = envelope(standins.mailbox(), "after crash", key);
        outbox.sendMessage(message);
        host.drain(Duration.ofSeconds(30));

        assertThat(standins.graph().sendMailRequests()).isZero();
        List<JsonNode> kept = read(deadLetter);
        assertThat(kept).singleElement().satisfies(n -> {
            assertThat(n.path("code").asText()).isEqualTo("OutcomeUnknown");
            assertThat(n.path("reason").asText()).contains("0f8fad5b-d9cb-469f-a165-70867728950e").contains("Sent Items");
            assertThat(n.path("original").asText()).isEqualTo(message);
        });
        assertThat(ledger.getEntity(QueueSendTest.TableRow.partition(key), QueueSendTest.TableRow.row(key)).getProperty("State"))
                .isEqualTo("PARKED");
    }

    @Test
    void givenGraphTimesOutAfterAccepting_thenParkedAndDeliveredOnlyOnce() throws Exception {
        standins.graph().injectFaults(1, GraphFault.acceptThenDelay(Duration.ofSeconds(8)));
        outbox.sendMessage(envelope(standins.mailbox(), "slow graph", "slow-park-1"));
        host.drain(Duration.ofSeconds(60));
        assertThat(standins.graph().acceptedMessages(standins.mailbox())).hasSize(1);
        assertThat(read(deadLetter)).singleElement()
                .satisfies(n -> assertThat(n.path("code").asText()).isEqualTo("OutcomeUnknown"));
    }
}
