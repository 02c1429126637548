package io.graphmailer.adapter.out.storage;

import com.azure.storage.queue.models.QueueMessageItem;
import io.graphmailer.application.DeadLetterService;
import io.graphmailer.application.InMemoryDeliveryLog;
import io.graphmailer.application.port.in.DeadLetterUseCase.Selection;
import io.graphmailer.application.port.out.DeadLetterStore.Claim;
import io.graphmailer.domain.TrackingId;
import io.graphmailer.domain.deadletter.DeadLetterEntry;
import io.graphmailer.domain.deadletter.DeadLetterEntry.Kept;
import io.graphmailer.domain.deadletter.DeadLetterFilter;
import io.graphmailer.domain.deadletter.DeadLetterPage;
import io.graphmailer.domain.deadletter.DeadLetterReport;
import io.graphmailer.domain.delivery.DeliveryState;
import io.graphmailer.format.outbox.OutboxEnvelope;
import io.graphmailer.support.Azurite;
import io.graphmailer.support.FunctionsHostDriver;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;

import static org.assertj.core.api.Assertions.assertThat;

/** The dead-letter and poison queues as operators work on them, against Azurite, with the use case on top. */
class StorageDeadLetterStoreTest {
    private static final String MAILBOX = "noreply@contoso.example";
    private FunctionsHostDriver.Queues queues;
    private StorageDeadLetterStore store;
    private StorageMailQueue mailQueue;
    private InMemoryDeliveryLog log;

    @BeforeEach
    void setUp() {
        String name = "gm-dl-" + UUID.randomUUID().toString().substring(0, 8);
        queues = FunctionsHostDriver.Queues.empty(Azurite.shared().connectionString(), name);
        store = new StorageDeadLetterStore(queues.deadLetter(), queues.poison());
        mailQueue = new StorageMailQueue(queues.outbox(), queues.deadLetter(), queues.poison(), Clock.systemUTC());
        log = new InMemoryDeliveryLog(1_000);
    }

    private DeadLetterService service(Duration lease) {
        return new DeadLetterService(store, mailQueue, log, new DeadLetterService.Settings(5_000, lease), Clock.systemUTC());
    }

    static String envelope(String subject, String key) {
        return "{\"version\":1,\"mailbox\":\"" + MAILBOX + "\",\"sendMail\":{\"message\":{\"subject\":\"" + subject + "\","
                + "\"body\":{\"contentType\":\"text\",\"content\":\"hello\"},"
                + "\"toRecipients\":[{\"emailAddress\":{\"address\":\"ops@fabrikam.example\"}}]}}"
                + (key == null ? "" : ",\"idempotencyKey\":\"" + key + "\"") + "}";
    }

    private List<String> outboxTexts() {
        List<String> texts = new ArrayList<>();
        for (QueueMessageItem m : queues.outbox().receiveMessages(32, Duration.ofSeconds(30), null, null)) {
            texts.add(m.getBody().toString());
        }
        return texts;
    }

    @Test
    void givenAKeptAndAHostPoisonedMessage_thenEntriesCarryCodeReasonMailboxAndTheProducersEnvelope() {
        mailQueue.deadLetter(envelope("kept", "order-1"), "ErrorInvalidRecipients", "the recipient does not exist");
        // The host moves the message as it was on the outbox queue: with graph-mailer's bookkeeping of its attempt.
        queues.poison().sendMessage(OutboxEnvelope.nextAttempt(envelope("host", null), "sha256:abc", 2));

        List<Claim> claims = store.claim(100, Duration.ofSeconds(30));
        assertThat(claims).hasSize(2);
        DeadLetterEntry kept = claims.stream().map(Claim::entry).filter(e -> e.queue() == Kept.DEAD_LETTER).findFirst().orElseThrow();
        assertThat(kept.code()).isEqualTo("ErrorInvalidRecipients");
        assertThat(kept.reason()).isEqualTo("the recipient does not exist");
        assertThat(kept.original()).isEqualTo(envelope("kept", "order-1"));
        assertThat(kept.mailbox()).isEqualTo(MAILBOX);
        assertThat(kept.idempotencyKey()).isEqualTo("order-1");
        assertThat(kept.trackingId()).isEqualTo(TrackingId.fromIdempotencyKey("order-1"));

        DeadLetterEntry host = claims.stream().map(Claim::entry).filter(e -> e.queue() == Kept.POISON).findFirst().orElseThrow();
        assertThat(host.code()).isEqualTo("MaxDequeueCount");
        assertThat(host.original()).as("bookkeeping removed, derived key not pinned").isEqualTo(envelope("host", null));
        assertThat(host.idempotencyKey()).startsWith("sha256:");
    }

    @Test
    void givenAClaimThatRanOut_thenItsHolderCannotRemoveTheEntryButTheNewHolderCan() throws Exception {
        mailQueue.deadLetter(envelope("stale", "order-2"), "OutcomeUnknown", "parked");
        Claim first = store.claim(10, Duration.ofSeconds(1)).get(0);
        assertThat(store.claim(10, Duration.ofSeconds(30))).as("claimed entries are invisible to others").isEmpty();
        Thread.sleep(1_500);
        Claim second = store.claim(10, Duration.ofSeconds(30)).get(0);
        assertThat(second.entry().id()).isEqualTo(first.entry().id());

        assertThat(store.remove(first)).isFalse();
        assertThat(store.remove(second)).isTrue();
        assertThat(store.claim(10, Duration.ofSeconds(1))).isEmpty();
    }

    @Test
    void givenAList_thenTheEntriesAreVisibleAgainRightAfterIt() {
        for (int i = 0; i < 40; i++) {
            mailQueue.deadLetter(envelope("m" + i, "key-" + i), i % 2 == 0 ? "ErrorInvalidRecipients" : "SenderNotAllowed", "r");
        }
        DeadLetterPage page = service(Duration.ofSeconds(60)).list(DeadLetterFilter.ALL, 0, 25);
        assertThat(page.total()).isEqualTo(40);
        assertThat(page.entries()).hasSize(25);
        assertThat(page.nextOffset()).isEqualTo(25);
        assertThat(page.complete()).isTrue();
        DeadLetterPage rest = service(Duration.ofSeconds(60)).list(DeadLetterFilter.ALL, 25, 25);
        assertThat(rest.entries()).hasSize(15);
        assertThat(rest.nextOffset()).isNull();
        Set<String> ids = new HashSet<>();
        page.entries().forEach(e -> ids.add(e.id()));
        rest.entries().forEach(e -> ids.add(e.id()));
        assertThat(ids).hasSize(40);

        DeadLetterFilter byCode = new DeadLetterFilter(Optional.empty(), Optional.of("senderNotAllowed"), Optional.empty(),
                Optional.empty(), Optional.empty());
        assertThat(service(Duration.ofSeconds(60)).list(byCode, 0, 100).total()).isEqualTo(20);
    }

    @Test
    void givenAReplay_thenTheOriginalEnvelopeWithItsKeyIsEnqueuedTheEntryIsGoneAndTheLogSaysWho() {
        mailQueue.deadLetter(envelope("replay me", "order-3"), "OutcomeUnknown", "parked for review");
        Claim looked = store.claim(1, Duration.ofSeconds(30)).get(0);
        store.release(looked);
        String id = looked.entry().id();
        DeadLetterReport dry = service(Duration.ofSeconds(60)).replay(Selection.byId(id), "ops-app", true);
        assertThat(dry.done()).isEqualTo(1);
        assertThat(outboxTexts()).as("a dry run enqueues nothing").isEmpty();

        DeadLetterReport report = service(Duration.ofSeconds(60)).replay(Selection.byId(id), "ops-app", false);
        assertThat(report.matched()).isEqualTo(1);
        assertThat(report.done()).isEqualTo(1);
        assertThat(outboxTexts()).containsExactly(envelope("replay me", "order-3"));
        assertThat(store.claim(10, Duration.ofSeconds(1))).isEmpty();
        var record = log.find(TrackingId.fromIdempotencyKey("order-3")).orElseThrow();
        assertThat(record.state()).isEqualTo(DeliveryState.REPLAYED);
        assertThat(record.history().get(record.history().size() - 1).reason()).contains("replayed by ops-app");
    }

    @Test
    void givenTwoOperatorsReplayingByFilterAtOnce_thenEachEntryIsReplayedExactlyOnce() throws Exception {
        int n = 60;
        for (int i = 0; i < n; i++) {
            mailQueue.deadLetter(envelope("twice? " + i, "dup-" + i), "ServiceUnavailable", "gave up");
        }
        DeadLetterFilter byCode = new DeadLetterFilter(Optional.empty(), Optional.of("ServiceUnavailable"), Optional.empty(),
                Optional.empty(), Optional.empty());
        CountDownLatch start = new CountDownLatch(1);
        List<CompletableFuture<DeadLetterReport>> operators = new ArrayList<>();
        for (String who : List.of("alice", "bob")) {
            operators.add(CompletableFuture.supplyAsync(() -> {
                try {
                    start.await();
                } catch (InterruptedException e) {
                    throw new IllegalStateException(e);
                }
                return service(Duration.ofSeconds(60)).replay(Selection.byFilter(byCode), who, false);
            }));
        }
        start.countDown();
        int done = 0;
        for (CompletableFuture<DeadLetterReport> f : operators) {
            done += f.get().done();
        }
        assertThat(done).isEqualTo(n);
        List<String> enqueued = new ArrayList<>();
        List<String> batch;
        while (!(batch = outboxTexts()).isEmpty()) {
            enqueued.addAll(batch);
        }
        assertThat(enqueued).hasSize(n).doesNotHaveDuplicates();
        assertThat(store.claim(100, Duration.ofSeconds(1))).isEmpty();
    }

    @Test
    void givenTwoOperatorsWhereTheFirstsClaimRanOut_thenTheSlowOneSkipsAndNothingIsReplayedTwice() throws Exception {
        mailQueue.deadLetter(envelope("slow", "slow-1"), "ServiceUnavailable", "gave up");
        Claim slow = store.claim(10, Duration.ofSeconds(1)).get(0);
        Thread.sleep(1_500);
        DeadLetterReport fast = service(Duration.ofSeconds(60)).replay(Selection.byFilter(DeadLetterFilter.ALL), "fast", false);
        assertThat(fast.done()).isEqualTo(1);
        // The slow operator now acts on its old claim: the store refuses, so it does not enqueue.
        assertThat(store.remove(slow)).isFalse();
        assertThat(outboxTexts()).hasSize(1);
    }

    @Test
    void givenPurgeByFilter_thenOnlyMatchingEntriesAreRemovedAndCounted() {
        mailQueue.deadLetter(envelope("a", "p-1"), "ErrorInvalidRecipients", "r");
        mailQueue.deadLetter(envelope("b", "p-2"), "ErrorInvalidRecipients", "r");
        mailQueue.poison(envelope("c", "p-3"), "ServiceUnavailable", "r");
        DeadLetterFilter poisonOnly = new DeadLetterFilter(Optional.of(Kept.POISON), Optional.empty(), Optional.empty(),
                Optional.empty(), Optional.empty());
        DeadLetterReport dry = service(Duration.ofSeconds(60)).purge(Selection.byFilter(poisonOnly), true);
        assertThat(dry.matched()).isEqualTo(1);
        assertThat(store.claim(10, Duration.ofSeconds(1))).as("a dry run keeps everything").hasSize(3);
    }

    @Test
    void givenPurgeOfOldEntries_thenYoungerOnesStay() throws Exception {
        mailQueue.deadLetter(envelope("a", "p-1"), "ErrorInvalidRecipients", "r");
        mailQueue.poison(envelope("c", "p-3"), "ServiceUnavailable", "r");
        DeadLetterFilter poisonOnly = new DeadLetterFilter(Optional.of(Kept.POISON), Optional.empty(), Optional.empty(),
                Optional.empty(), Optional.empty());
        DeadLetterReport report = service(Duration.ofSeconds(60)).purge(Selection.byFilter(poisonOnly), false);
        assertThat(report.done()).isEqualTo(1);
        List<Claim> left = store.claim(10, Duration.ofSeconds(1));
        assertThat(left).singleElement().satisfies(c -> assertThat(c.entry().queue()).isEqualTo(Kept.DEAD_LETTER));
        Thread.sleep(1_200);
        DeadLetterFilter older = new DeadLetterFilter(Optional.empty(), Optional.empty(), Optional.empty(),
                Optional.of(Duration.ofHours(1)), Optional.empty());
        assertThat(service(Duration.ofSeconds(60)).purge(Selection.byFilter(older), false).matched()).isZero();
        DeadLetterFilter newer = new DeadLetterFilter(Optional.empty(), Optional.empty(), Optional.empty(),
                Optional.empty(), Optional.of(Duration.ofHours(1)));
        assertThat(service(Duration.ofSeconds(60)).purge(Selection.byFilter(newer), false).done()).isEqualTo(1);
        assertThat(store.claim(10, Duration.ofSeconds(1))).isEmpty();
    }
}
