package io.graphmailer.adapter.out.storage;

import com.azure.storage.queue.QueueClient;
import com.azure.storage.queue.models.QueueStorageException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.azure.storage.queue.models.QueueMessageItem;
import io.graphmailer.support.Azurite;
import io.graphmailer.support.FunctionsHostDriver;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;

/** The outbox queue adapter against Azurite: what producers, the host and operators will read. */
class StorageMailQueueTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private FunctionsHostDriver.Queues queues;
    private StorageMailQueue queue;

    @BeforeEach
    void setUp() {
        queues = FunctionsHostDriver.Queues.empty(Azurite.shared().connectionString(), "gm-adapter");
        queue = new StorageMailQueue(queues.outbox(), queues.deadLetter(), queues.poison(),
                Clock.fixed(Instant.parse("2026-11-28T10:00:00Z"), ZoneOffset.UTC));
    }

    private static List<String> receive(QueueClient q) {
        List<String> texts = new ArrayList<>();
        for (QueueMessageItem m : q.receiveMessages(32)) {
            texts.add(m.getBody().toString());
        }
        return texts;
    }

    @Test
    void givenEnqueuedText_thenItIsVisibleAtOnceAndReadsBackUnchanged() {
        queue.enqueue("{\"version\":1,\"subject\":\"Grüße ✓\"}");
        assertThat(receive(queues.outbox())).containsExactly("{\"version\":1,\"subject\":\"Grüße ✓\"}");
    }

    @Test
    void givenARequeueWithADelay_thenTheMessageStaysInvisibleUntilThen() throws Exception {
        queue.requeue("later", Duration.ofSeconds(2));
        assertThat(receive(queues.outbox())).isEmpty();
        Thread.sleep(2_500);
        assertThat(receive(queues.outbox())).containsExactly("later");
    }

    @Test
    void givenDeadLetterAndPoison_thenTheOriginalIsKeptIntactBesideTheReason() throws Exception {
        queue.deadLetter("{\"version\":9}", "UnsupportedVersion", "version 9 is not supported");
        queue.poison("{\"version\":1}", "ServiceUnavailable", "gave up after 5 attempts");
        JsonNode dead = JSON.readTree(receive(queues.deadLetter()).get(0));
        assertThat(dead.path("keptBy").asText()).isEqualTo("graph-mailer");
        assertThat(dead.path("code").asText()).isEqualTo("UnsupportedVersion");
        assertThat(dead.path("original").asText()).isEqualTo("{\"version\":9}");
        assertThat(dead.path("at").asText()).isEqualTo("2026-11-28T10:00:00Z");
        JsonNode poisoned = JSON.readTree(receive(queues.poison()).get(0));
        assertThat(poisoned.path("queue").asText()).isEqualTo("poison");
        assertThat(poisoned.path("reason").asText()).isEqualTo("gave up after 5 attempts");
    }

    @Test
    void givenNoMessageYet_thenNoQueueIsCreatedAndTheFirstMessageCreatesAllThree() {
        String name = "gm-firstuse-" + UUID.randomUUID().toString().substring(0, 8);
        String cs = Azurite.shared().connectionString();
        List<QueueClient> three = List.of(FunctionsHostDriver.client(cs, name), FunctionsHostDriver.client(cs, name + "-deadletter"),
                FunctionsHostDriver.client(cs, name + "-poison"));
        StorageMailQueue lazy = new StorageMailQueue(three.get(0), three.get(1), three.get(2), Clock.systemUTC());
        assertThat(three).as("building the adapter calls no storage").noneMatch(StorageMailQueueTest::exists);

        lazy.enqueue("first");

        assertThat(three).allMatch(StorageMailQueueTest::exists);
        assertThat(receive(three.get(0))).containsExactly("first");
    }

    private static boolean exists(QueueClient q) {
        try {
            q.getProperties();
            return true;
        } catch (QueueStorageException e) {
            if (e.getStatusCode() == 404) {
                return false;
            }
            throw e;
        }
    }
}
