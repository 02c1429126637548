package io.graphmailer.adapter.out.storage;

import com.azure.data.tables.TableClient;
import com.azure.data.tables.TableClientBuilder;
import com.azure.data.tables.models.TableEntity;
import io.graphmailer.domain.Mailbox;
import io.graphmailer.domain.budget.Admission;
import io.graphmailer.domain.budget.BudgetLimit;
import io.graphmailer.domain.budget.BudgetUnavailableException;
import io.graphmailer.domain.budget.BudgetWindow;
import io.graphmailer.domain.budget.Claimant;
import io.graphmailer.domain.budget.MailboxLimits;
import io.graphmailer.domain.budget.MailboxUsage;
import io.graphmailer.domain.budget.Permit;
import io.graphmailer.domain.budget.SendCost;
import io.graphmailer.support.Azurite;
import io.graphmailer.support.SettableClock;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The shared budget against Azurite's Table service. Two stores with their own clients stand for two instances; the
 * multi-process case is {@code io.graphmailer.queue.FleetBudgetIT}.
 */
class TableMailboxBudgetTest {
    private static final String TABLE = "budgetstore";
    private static final MailboxLimits LIMITS = new MailboxLimits(4, 1_000, 100_000, 100_000);

    private final List<TableSendLedger.SentRecipients> ledgerSent = new ArrayList<>();
    private Mailbox mailbox;

    @BeforeEach
    void setUp() {
        mailbox = new Mailbox("budget-" + UUID.randomUUID().toString().substring(0, 8) + "@contoso.example");
        ledgerSent.clear();
        instance().createIfMissing();
    }

    private TableClient client() {
        return new TableClientBuilder().connectionString(Azurite.shared().connectionString()).tableName(TABLE).buildClient();
    }

    private TableMailboxBudget instance() {
        TableClient c = client();
        return new TableMailboxBudget(() -> c, Clock.systemUTC(), Duration.ofMinutes(5), m -> List.copyOf(ledgerSent));
    }

    @Test
    void givenTwoInstancesAndEightThreadsEachAdmittingForOneMailbox_thenNeverMoreThanItsSlotsAtOnceAndEveryGrantCounted() throws Exception {
        TableMailboxBudget a = instance();
        TableMailboxBudget b = instance();
        int perThread = 6;
        AtomicInteger inFlight = new AtomicInteger();
        AtomicInteger maxInFlight = new AtomicInteger();
        AtomicInteger sent = new AtomicInteger();
        ExecutorService pool = Executors.newFixedThreadPool(16);
        List<Future<?>> runs = new ArrayList<>();
        long started = System.nanoTime();
        for (int t = 0; t < 16; t++) {
            TableMailboxBudget store = t % 2 == 0 ? a : b;
            runs.add(pool.submit(() -> {
                for (int i = 0; i < perThread; ) {
                    Admission admission = store.admit(mailbox, LIMITS, new SendCost(2, 1));
                    if (admission instanceof Admission.Granted g) {
                        maxInFlight.accumulateAndGet(inFlight.incrementAndGet(), Math::max);
                        sleep(20); // the send
                        inFlight.decrementAndGet();
                        store.release(g.permit(), true);
                        sent.incrementAndGet();
                        i++;
                    } else {
                        sleep(20);
                    }
                }
                return null;
            }));
        }
        for (Future<?> f : runs) {
            f.get(3, TimeUnit.MINUTES);
        }
        pool.shutdown();
        double seconds = (System.nanoTime() - started) / 1e9;
        TableMailboxBudget.Stats sa = a.stats();
        TableMailboxBudget.Stats sb = b.stats();
        long granted = sa.granted() + sb.granted();
        long calls = sa.reads() + sa.writes() + sb.reads() + sb.writes();
        long admitCalls = sa.admits() + sb.admits();
        System.out.printf("budget contention: %d sends in %.1f s, %d admits (%.2f per send), %d conflicts (%.2f per admit), "
                        + "%.2f storage calls per send, max in flight %d%n", sent.get(), seconds, admitCalls, (double) admitCalls / sent.get(),
                sa.conflicts() + sb.conflicts(), (double) (sa.conflicts() + sb.conflicts()) / admitCalls, (double) calls / sent.get(),
                maxInFlight.get());
        assertThat(maxInFlight.get()).as("sends in flight at once").isLessThanOrEqualTo(LIMITS.concurrentSends());
        assertThat(granted).isEqualTo(16L * perThread);
        var usage = a.usage(mailbox, LIMITS);
        assertThat(usage.inFlight()).as("every slot released").isZero();
        assertThat(usage.recipientsLastDay()).as("every grant's recipients counted once").isEqualTo(2 * 16 * perThread);
    }

    @Test
    void givenSevenThreadsWaitingWhileOneCommits_thenTheSevenAreDecidedOnOneReadAndOneWrite() throws Exception {
        // The first admission of a new mailbox reads no entity and asks the ledger: held there, it keeps the commit lock
        // while the other seven arrive and queue up behind it.
        CountDownLatch ledgerAsked = new CountDownLatch(1);
        CountDownLatch letGo = new CountDownLatch(1);
        TableClient c = client();
        TableMailboxBudget store = new TableMailboxBudget(() -> c, Clock.systemUTC(), Duration.ofMinutes(5), m -> {
            ledgerAsked.countDown();
            await(letGo);
            return List.of();
        });
        MailboxLimits eight = new MailboxLimits(8, 1_000, 100_000, 100_000);
        List<Admission> answers = Collections.synchronizedList(new ArrayList<>());
        Thread first = new Thread(() -> answers.add(store.admit(mailbox, eight, new SendCost(1, 1))));
        first.start();
        assertThat(ledgerAsked.await(30, TimeUnit.SECONDS)).isTrue();
        List<Thread> behind = queuedBehind(7, () -> answers.add(store.admit(mailbox, eight, new SendCost(1, 1))));
        letGo.countDown();
        joinAll(30_000, first, behind);

        assertThat(answers).hasSize(8).allMatch(a -> a instanceof Admission.Granted);
        assertThat(answers.stream().map(a -> ((Admission.Granted) a).permit().slotId()).distinct()).as("one slot each").hasSize(8);
        TableMailboxBudget.Stats stats = store.stats();
        assertThat(stats.commits()).as("the first alone, then the seven together").isEqualTo(2);
        assertThat(stats.reads()).isEqualTo(2);
        assertThat(stats.writes()).isEqualTo(2);
        assertThat(stats.conflicts()).isZero();
        assertThat(instance().usage(mailbox, eight).inFlight()).as("all eight slots stored").isEqualTo(8);
    }

    @Test
    void givenAReleaseWaitingBehindAnotherCommit_thenTheSendCountsFromWhenItEndedNotFromWhenItIsCommitted() throws Exception {
        Instant t0 = Instant.now().truncatedTo(java.time.temporal.ChronoUnit.MILLIS); // the window keeps milliseconds
        SettableClock clock = new SettableClock(t0);
        CountDownLatch ledgerAsked = new CountDownLatch(1);
        CountDownLatch letGo = new CountDownLatch(1);
        java.util.concurrent.atomic.AtomicBoolean hold = new java.util.concurrent.atomic.AtomicBoolean();
        TableClient c = client();
        TableMailboxBudget store = new TableMailboxBudget(() -> c, clock, Duration.ofMinutes(5), m -> {
            if (hold.get()) {
                ledgerAsked.countDown();
                await(letGo);
            }
            return List.of();
        });
        MailboxLimits two = new MailboxLimits(4, 2, 100, 100);
        Permit sending = ((Admission.Granted) store.admit(mailbox, two, new SendCost(1, 1))).permit();
        // A damaged stored budget makes the next change ask the ledger: held there, it keeps the mailbox's commit lock.
        c.upsertEntity(new TableEntity(TableMailboxBudget.partition(mailbox), "budget").addProperty("Chunks", 1).addProperty("W0", "v0|garbage"));
        hold.set(true);
        Thread other = new Thread(() -> store.admit(mailbox, two, new SendCost(1, 1)));
        other.start();
        assertThat(ledgerAsked.await(30, TimeUnit.SECONDS)).isTrue();
        clock.set(t0.plusSeconds(1)); // the send ends
        Thread release = new Thread(() -> store.release(sending, true));
        release.start();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (release.getState() != Thread.State.WAITING && System.nanoTime() < deadline) {
            sleep(5); // parked on the commit lock
        }
        clock.set(t0.plusSeconds(30)); // its change is committed much later
        letGo.countDown();
        other.join(30_000);
        release.join(30_000);

        MailboxUsage usage = store.usage(mailbox, two);
        assertThat(usage.messagesLastMinute()).as("the other admission (at t0+30) and the send").isEqualTo(2);
        assertThat(usage.nextFree().get(BudgetLimit.MESSAGES_PER_MINUTE)).as("a minute after the send ended, not after its commit")
                .isEqualTo(t0.plusSeconds(61));
    }

    @Test
    void givenTheMessagesPerMinuteReachedInAnotherInstance_thenThisOneWaitsUntilTheOldestLeavesTheMinute() {
        TableMailboxBudget a = instance();
        TableMailboxBudget b = instance();
        MailboxLimits three = new MailboxLimits(4, 3, 100, 100);
        Instant before = Instant.now();
        for (int i = 0; i < 3; i++) {
            Admission granted = a.admit(mailbox, three, new SendCost(1, 1));
            assertThat(granted).isInstanceOf(Admission.Granted.class);
            a.release(((Admission.Granted) granted).permit(), true);
        }
        Admission fourth = b.admit(mailbox, three, new SendCost(1, 1));
        assertThat(fourth).isInstanceOf(Admission.Wait.class);
        Admission.Wait wait = (Admission.Wait) fourth;
        assertThat(wait.limit()).isEqualTo(BudgetLimit.MESSAGES_PER_MINUTE);
        assertThat(wait.until()).isAfter(before.plusSeconds(59)).isBefore(Instant.now().plusSeconds(61));
    }

    @Test
    void givenAPermitNeverReleased_thenItsSlotFreesAtItsExpiry() throws Exception {
        TableClient c = client();
        TableMailboxBudget shortLease = new TableMailboxBudget(() -> c, Clock.systemUTC(), Duration.ofSeconds(2), m -> List.of());
        MailboxLimits one = new MailboxLimits(1, 100, 100, 100);
        assertThat(shortLease.admit(mailbox, one, new SendCost(1, 1))).isInstanceOf(Admission.Granted.class); // its instance "dies"
        Admission blocked = instance().admit(mailbox, one, new SendCost(1, 1));
        assertThat(blocked).isInstanceOf(Admission.Wait.class);
        assertThat(((Admission.Wait) blocked).limit()).isEqualTo(BudgetLimit.CONCURRENT_SENDS);
        Thread.sleep(2_200);
        assertThat(instance().admit(mailbox, one, new SendCost(1, 1))).isInstanceOf(Admission.Granted.class);
    }

    @Test
    void givenNoStoredBudgetButSentEntriesInTheLedger_thenTheDailyCountIsRebuiltFromThem() {
        Instant now = Instant.now();
        ledgerSent.add(new TableSendLedger.SentRecipients(now.minus(Duration.ofHours(3)), 30));
        ledgerSent.add(new TableSendLedger.SentRecipients(now.minus(Duration.ofHours(1)), 15));
        ledgerSent.add(new TableSendLedger.SentRecipients(now.minus(Duration.ofHours(25)), 500)); // left the window
        MailboxLimits fifty = new MailboxLimits(4, 100, 50, 100);
        TableMailboxBudget store = instance();
        assertThat(store.usage(mailbox, fifty).recipientsLastDay()).isEqualTo(45);
        Admission tooMany = store.admit(mailbox, fifty, new SendCost(6, 1));
        assertThat(tooMany).isInstanceOf(Admission.Wait.class);
        assertThat(((Admission.Wait) tooMany).limit()).isEqualTo(BudgetLimit.RECIPIENTS_PER_DAY);
        assertThat(((Admission.Wait) tooMany).until()).isAfter(now.plus(Duration.ofHours(20)));
        assertThat(store.admit(mailbox, fifty, new SendCost(5, 1))).isInstanceOf(Admission.Granted.class);
    }

    @Test
    void givenNoStoredBudget_whenItsUseIsReadAgainAndAgain_thenTheLedgerIsScannedOnceAndTheCountKept() {
        ledgerSent.add(new TableSendLedger.SentRecipients(Instant.now().minus(Duration.ofHours(2)), 12));
        java.util.concurrent.atomic.AtomicInteger scans = new java.util.concurrent.atomic.AtomicInteger();
        TableClient c = client();
        TableMailboxBudget store = new TableMailboxBudget(() -> c, Clock.systemUTC(), Duration.ofMinutes(5), m -> {
            scans.incrementAndGet();
            return List.copyOf(ledgerSent);
        });
        MailboxLimits ten = new MailboxLimits(4, 100, 10, 100);
        for (int i = 0; i < 3; i++) {
            assertThat(store.usage(mailbox, ten).recipientsLastDay()).isEqualTo(12);
            assertThat(store.admit(mailbox, ten, new SendCost(1, 1))).isInstanceOf(Admission.Wait.class);
        }
        assertThat(scans.get()).as("ledger scans").isEqualTo(1);
    }

    @Test
    void givenADamagedStoredBudget_thenItIsRebuiltFromTheLedgerAndOverwritten() {
        TableMailboxBudget store = instance();
        assertThat(store.admit(mailbox, LIMITS, new SendCost(1, 1))).isInstanceOf(Admission.Granted.class);
        TableClient c = client();
        c.upsertEntity(new TableEntity(TableMailboxBudget.partition(mailbox), "budget").addProperty("Chunks", 1).addProperty("W0", "v0|garbage"));
        ledgerSent.add(new TableSendLedger.SentRecipients(Instant.now().minusSeconds(120), 7));
        MailboxLimits ten = new MailboxLimits(4, 100, 10, 100);
        assertThat(store.usage(mailbox, ten).recipientsLastDay()).isEqualTo(7);
        assertThat(store.admit(mailbox, ten, new SendCost(3, 1))).isInstanceOf(Admission.Granted.class);
        TableEntity stored = c.getEntity(TableMailboxBudget.partition(mailbox), "budget");
        assertThat(BudgetWindow.decode((String) stored.getProperty("W0")).usage(ten, Instant.now()).recipientsLastDay()).isEqualTo(10);
    }

    @Test
    void givenTheLargestWindow_thenItIsStoredInChunksAndReadBackWhole() {
        // 24 h of recipient minutes (1,440 entries) and a full line of 5,000 tickets: over one property's 32 K chars.
        BudgetWindow big = BudgetWindow.empty();
        Instant now = Instant.now();
        for (int m = 0; m < 1_440; m++) {
            big.countSent(now.minus(Duration.ofMinutes(m)).minusSeconds(1), 9_999);
        }
        MailboxLimits onePerMinute = new MailboxLimits(4, 1, 100_000_000, 100_000);
        for (int i = 0; i < 5_000; i++) {
            Admission waits = big.admit(mailbox, onePerMinute, new SendCost(1, 1), now, Duration.ofMinutes(5), () -> "slot",
                    Claimant.queued("waiter-" + i));
            assertThat(waits).isInstanceOf(Admission.Wait.class);
        }
        ledgerSent.clear();
        TableClient c = client();
        String encoded = big.encode();
        int chunks = (encoded.length() + TableMailboxBudget.CHUNK_CHARS - 1) / TableMailboxBudget.CHUNK_CHARS;
        TableEntity e = new TableEntity(TableMailboxBudget.partition(mailbox), "budget").addProperty("Chunks", chunks);
        for (int i = 0; i < chunks; i++) {
            e.addProperty("W" + i, encoded.substring(i * TableMailboxBudget.CHUNK_CHARS,
                    Math.min(encoded.length(), (i + 1) * TableMailboxBudget.CHUNK_CHARS)));
        }
        c.upsertEntity(e);
        System.out.println("largest window: " + encoded.length() + " chars in " + chunks + " properties");
        assertThat(chunks).isGreaterThan(1);
        MailboxLimits huge = new MailboxLimits(4, 100_000, 100_000_000, 100_000);
        TableMailboxBudget store = instance();
        Admission granted = store.admit(mailbox, huge, new SendCost(1, 1)); // read, decide and write back in chunks
        assertThat(granted).isInstanceOf(Admission.Granted.class);
        assertThat(store.usage(mailbox, huge).recipientsLastDay()).isGreaterThanOrEqualTo(1_439 * 9_999 + 1);
    }

    @Test
    void givenTheStoreUnreachable_thenAdmitThrowsBudgetUnavailableAndReleaseDoesNot() {
        TableClient dead = new TableClientBuilder().connectionString("DefaultEndpointsProtocol=http;AccountName=" + Azurite.ACCOUNT
                + ";AccountKey=" + Azurite.KEY + ";TableEndpoint=http://127.0.0.1:" + closedPort() + "/" + Azurite.ACCOUNT)
                .tableName(TABLE).retryOptions(new com.azure.core.http.policy.RetryOptions(new com.azure.core.http.policy.FixedDelayOptions(0, Duration.ofMillis(10)))).buildClient();
        TableMailboxBudget store = new TableMailboxBudget(() -> dead, Clock.systemUTC(), Duration.ofMinutes(5), m -> List.of());
        assertThatThrownBy(() -> store.admit(mailbox, LIMITS, new SendCost(1, 1))).isInstanceOf(BudgetUnavailableException.class);
        Instant now = Instant.now();
        store.release(new Permit(mailbox, "slot", now, now.plusSeconds(60), new SendCost(1, 1)), true); // logged, not thrown
    }

    @Test
    void givenAnAdmitAndAReleaseCommittedTogetherWhileEveryWriteLosesARace_thenTheAdmitGivesUpAfterItsTriesAndTheReleaseLands() throws Exception {
        // Another instance wins the next 12 + 15 races: the first admission alone, then a batch of an admission (12
        // tries) and a release (40). Real 412s from the store; the rival only rewrites the entity before each write.
        Rival rival = new Rival(client());
        CountDownLatch ledgerAsked = new CountDownLatch(1);
        CountDownLatch letGo = new CountDownLatch(1);
        java.util.concurrent.atomic.AtomicBoolean hold = new java.util.concurrent.atomic.AtomicBoolean();
        TableClient c = rival.losingClient();
        TableMailboxBudget store = new TableMailboxBudget(() -> c, Clock.systemUTC(), Duration.ofMinutes(5), m -> {
            if (hold.get()) {
                ledgerAsked.countDown();
                await(letGo);
            }
            return List.of();
        });
        Permit sending = ((Admission.Granted) store.admit(mailbox, LIMITS, new SendCost(1, 1))).permit();
        // A damaged stored budget makes the next change ask the ledger: held there, it keeps the mailbox's commit lock.
        c.upsertEntity(new TableEntity(TableMailboxBudget.partition(mailbox), "budget").addProperty("Chunks", 1).addProperty("W0", "v0|garbage"));
        hold.set(true);
        List<Throwable> admitFailures = Collections.synchronizedList(new ArrayList<>());
        Thread first = new Thread(() -> admitOrNote(store, admitFailures));
        first.start();
        assertThat(ledgerAsked.await(30, TimeUnit.SECONDS)).isTrue();
        Thread second = new Thread(() -> admitOrNote(store, admitFailures));
        Thread release = new Thread(() -> store.release(sending, true));
        second.start();
        release.start();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while ((second.getState() != Thread.State.WAITING || release.getState() != Thread.State.WAITING) && System.nanoTime() < deadline) {
            sleep(5); // both parked on the commit lock, their changes queued as one batch
        }
        rival.winNext(TableMailboxBudget.MAX_TRIES + 15);
        letGo.countDown();
        for (Thread t : List.of(first, second, release)) {
            t.join(60_000);
        }

        assertThat(admitFailures).as("both admissions gave up after their tries").hasSize(2)
                .allSatisfy(e -> assertThat(e).isInstanceOf(BudgetUnavailableException.class).hasMessageContaining("contended"));
        TableMailboxBudget.Stats stats = store.stats();
        assertThat(stats.conflicts()).as("every race the rival was given was lost").isEqualTo(TableMailboxBudget.MAX_TRIES + 15);
        assertThat(stats.commits()).as("the first admission, the stale batch, and the two before it").isEqualTo(3);
        MailboxUsage usage = instance().usage(mailbox, LIMITS);
        assertThat(usage.inFlight()).as("the release landed on its 16th write").isZero();
        assertThat(usage.messagesLastMinute()).as("the send it released, counted; nothing of the failed admissions").isEqualTo(1);
    }

    @Test
    void givenTheStoreFailingWhileABatchWaits_thenEveryChangeInTheBatchFailsUnavailableAndNoneIsGranted() throws Exception {
        Rival rival = new Rival(client());
        CountDownLatch ledgerAsked = new CountDownLatch(1);
        CountDownLatch letGo = new CountDownLatch(1);
        TableClient c = rival.losingClient();
        TableMailboxBudget store = new TableMailboxBudget(() -> c, Clock.systemUTC(), Duration.ofMinutes(5), m -> {
            ledgerAsked.countDown(); // a new mailbox: its first admission asks the ledger, and waits there
            await(letGo);
            return List.of();
        });
        List<Throwable> failures = Collections.synchronizedList(new ArrayList<>());
        Thread first = new Thread(() -> admitOrNote(store, failures));
        first.start();
        assertThat(ledgerAsked.await(30, TimeUnit.SECONDS)).isTrue();
        List<Thread> behind = queuedBehind(3, () -> admitOrNote(store, failures));
        rival.storeDown();
        letGo.countDown();
        joinAll(60_000, first, behind);

        assertThat(failures).as("the first admission's write and the batch's read both failed").hasSize(4)
                .allSatisfy(e -> assertThat(e).isInstanceOf(BudgetUnavailableException.class));
        assertThat(store.stats().granted()).isZero();
        assertThat(store.stats().commits()).as("the first alone, then the three together").isEqualTo(2);
        assertThat(instance().usage(mailbox, LIMITS).inFlight()).as("nothing stored").isZero();
    }

    @Test
    void givenOneChangeOfABatchThrowingWhileItIsDecided_thenOnlyItsCallerFailsAndTheOthersAreDecidedAgainOnAFreshRead() throws Exception {
        // The batch's decisions run on the committing thread, each reading the clock once: the second one of the batch
        // gets a failing clock. Nothing in BudgetWindow throws today; this is the path for when something does.
        AtomicReference<TableMailboxBudget> storeRef = new AtomicReference<>();
        AtomicInteger batchLooks = new AtomicInteger();
        Clock failingInTheBatch = new SettableClock(null) {
            @Override
            public Instant instant() {
                TableMailboxBudget s = storeRef.get();
                if (s != null && s.stats().commits() == 2 && batchLooks.incrementAndGet() == 2) {
                    throw new IllegalStateException("the clock failed in a decision");
                }
                return Instant.now();
            }
        };
        CountDownLatch ledgerAsked = new CountDownLatch(1);
        CountDownLatch letGo = new CountDownLatch(1);
        TableClient c = client();
        TableMailboxBudget store = new TableMailboxBudget(() -> c, failingInTheBatch, Duration.ofMinutes(5), m -> {
            ledgerAsked.countDown(); // a new mailbox: its first admission asks the ledger, holding the commit lock
            await(letGo);
            return List.of();
        });
        storeRef.set(store);
        List<Admission> granted = Collections.synchronizedList(new ArrayList<>());
        List<Throwable> failures = Collections.synchronizedList(new ArrayList<>());
        Runnable admit = () -> {
            try {
                granted.add(store.admit(mailbox, LIMITS, new SendCost(1, 1)));
            } catch (RuntimeException e) {
                failures.add(e);
            }
        };
        Thread first = new Thread(admit);
        first.start();
        assertThat(ledgerAsked.await(30, TimeUnit.SECONDS)).isTrue();
        List<Thread> behind = queuedBehind(3, admit);
        letGo.countDown();
        joinAll(30_000, first, behind);

        assertThat(failures).as("only the change whose decision threw fails, with its own exception").singleElement()
                .satisfies(e -> assertThat(e).isInstanceOf(IllegalStateException.class).hasMessageContaining("clock failed"));
        assertThat(granted).hasSize(3).allMatch(a -> a instanceof Admission.Granted);
        assertThat(granted.stream().map(a -> ((Admission.Granted) a).permit().slotId()).distinct()).hasSize(3);
        TableMailboxBudget.Stats stats = store.stats();
        assertThat(stats.commits()).as("the first alone, then the three together").isEqualTo(2);
        assertThat(stats.reads()).as("the first's read, the batch's, and the batch's again without the broken change").isEqualTo(3);
        assertThat(stats.writes()).as("the first's, then one for the two left in the batch").isEqualTo(2);
        assertThat(instance().usage(mailbox, LIMITS).inFlight()).as("the three granted slots stored, none of the failed one")
                .isEqualTo(3);
    }

    private void admitOrNote(TableMailboxBudget store, List<Throwable> failures) {
        try {
            Admission a = store.admit(mailbox, LIMITS, new SendCost(1, 1));
            if (!(a instanceof Admission.Granted)) {
                failures.add(new AssertionError("not granted: " + a));
            }
        } catch (RuntimeException e) {
            failures.add(e);
        }
    }

    /**
     * Another instance, in the pipeline of this instance's client: before each of its conditional writes it rewrites the
     * entity (its content unchanged, its ETag new), so the store answers 412, as when a real rival commits first; or it
     * takes the store down (every request fails as a lost connection does).
     */
    private static final class Rival implements com.azure.core.http.policy.HttpPipelinePolicy {
        private final TableClient plain;
        private final AtomicInteger wins = new AtomicInteger();
        private volatile boolean down;

        Rival(TableClient plain) {
            this.plain = plain;
        }

        TableClient losingClient() {
            return new TableClientBuilder().connectionString(Azurite.shared().connectionString()).tableName(TABLE)
                    .retryOptions(new com.azure.core.http.policy.RetryOptions(new com.azure.core.http.policy.FixedDelayOptions(0, Duration.ofMillis(10))))
                    .addPolicy(this).buildClient();
        }

        void winNext(int races) {
            wins.set(races);
        }

        void storeDown() {
            down = true;
        }

        @Override
        public reactor.core.publisher.Mono<com.azure.core.http.HttpResponse> process(com.azure.core.http.HttpPipelineCallContext context,
                                                                                     com.azure.core.http.HttpPipelineNextPolicy next) {
            return reactor.core.publisher.Mono.fromCallable(() -> before(context.getHttpRequest())).then(next.process());
        }

        @Override
        public com.azure.core.http.HttpResponse processSync(com.azure.core.http.HttpPipelineCallContext context,
                                                            com.azure.core.http.HttpPipelineNextSyncPolicy next) {
            before(context.getHttpRequest());
            return next.processSync();
        }

        private boolean before(com.azure.core.http.HttpRequest request) {
            if (down) {
                throw new java.io.UncheckedIOException(new java.io.IOException("connection reset (the rival took the store down)"));
            }
            String ifMatch = request.getHeaders().getValue(com.azure.core.http.HttpHeaderName.IF_MATCH);
            if (request.getHttpMethod() == com.azure.core.http.HttpMethod.PUT && ifMatch != null && !ifMatch.equals("*")
                    && wins.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
                String path = request.getUrl().getPath();
                java.util.regex.Matcher key = java.util.regex.Pattern.compile("PartitionKey='([^']*)',RowKey='([^']*)'").matcher(
                        java.net.URLDecoder.decode(path, java.nio.charset.StandardCharsets.UTF_8));
                if (!key.find()) {
                    throw new AssertionError("no entity key in " + path);
                }
                TableEntity current = plain.getEntity(key.group(1), key.group(2));
                plain.updateEntity(current, com.azure.data.tables.models.TableEntityUpdateMode.MERGE); // unconditional: a new ETag
            }
            return true;
        }
    }

    private static int closedPort() {
        try (java.net.ServerSocket s = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        } catch (java.io.IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Starts {@code n} threads running {@code change}; returns once each is parked on the mailbox's commit lock. */
    private static List<Thread> queuedBehind(int n, Runnable change) {
        List<Thread> behind = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            Thread t = new Thread(change);
            behind.add(t);
            t.start();
        }
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (!behind.stream().allMatch(t -> t.getState() == Thread.State.WAITING) && System.nanoTime() < deadline) {
            sleep(5); // parked on the commit lock, their changes already queued
        }
        return behind;
    }

    private static void joinAll(long millis, Thread first, List<Thread> behind) throws InterruptedException {
        first.join(millis);
        for (Thread t : behind) {
            t.join(millis);
        }
    }

    private static void await(CountDownLatch latch) {
        try {
            latch.await(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }



    @Test
    void givenTwoInstancesRacingForAFullMinute_thenEveryWaiterGetsADistinctPlaceInLineAndClaimsItAtItsTime() throws Exception {
        Instant t0 = Instant.now().truncatedTo(java.time.temporal.ChronoUnit.SECONDS);
        SettableClock clock = new SettableClock(t0);
        TableClient ca = client();
        TableClient cb = client();
        TableMailboxBudget a = new TableMailboxBudget(() -> ca, clock, Duration.ofMinutes(5), m -> List.of());
        TableMailboxBudget b = new TableMailboxBudget(() -> cb, clock, Duration.ofMinutes(5), m -> List.of());
        MailboxLimits limits = new MailboxLimits(100, 4, 10_000, 10_000);
        int claimants = 16;
        ExecutorService pool = Executors.newFixedThreadPool(8);
        List<Future<Admission>> answers = new ArrayList<>();
        for (int i = 0; i < claimants; i++) {
            TableMailboxBudget store = i % 2 == 0 ? a : b;
            Claimant claimant = Claimant.queued("message-" + i);
            answers.add(pool.submit(() -> store.admit(mailbox, limits, new SendCost(1, 1), claimant)));
        }
        java.util.Map<Instant, Integer> ticketsAt = new java.util.TreeMap<>();
        java.util.Map<Integer, Instant> ticketOf = new java.util.HashMap<>();
        int granted = 0;
        for (int i = 0; i < claimants; i++) {
            Admission answer = answers.get(i).get(1, TimeUnit.MINUTES);
            if (answer instanceof Admission.Granted g) {
                granted++;
                (i % 2 == 0 ? a : b).release(g.permit(), true);
            } else {
                Admission.Wait wait = (Admission.Wait) answer;
                assertThat(wait.ticketed()).as("message-%d waits in line", i).isTrue();
                ticketsAt.merge(wait.until(), 1, Integer::sum);
                ticketOf.put(i, wait.until());
            }
        }
        pool.shutdown();
        assertThat(granted).as("the first minute's four").isEqualTo(4);
        assertThat(ticketsAt.values()).as("no two waiters share a time").containsOnly(1);
        assertThat(ticketsAt.keySet()).as("three minutes of four each, none before the first minute ends")
                .allSatisfy(at -> assertThat(at).isAfterOrEqualTo(t0.plusSeconds(60)).isBefore(t0.plusSeconds(60 * 4)));
        // In line: each claimant is admitted at its own time, through either instance, and not a moment before it.
        List<Instant> claimed = new ArrayList<>();
        List<java.util.Map.Entry<Integer, Instant>> line = ticketOf.entrySet().stream().sorted(java.util.Map.Entry.comparingByValue()).toList();
        for (var e : line) {
            TableMailboxBudget store = e.getKey() % 3 == 0 ? a : b;
            Claimant claimant = Claimant.queued("message-" + e.getKey());
            clock.set(e.getValue().minusMillis(1));
            Admission early = store.admit(mailbox, limits, new SendCost(1, 1), claimant);
            assertThat(((Admission.Wait) early).until()).isEqualTo(e.getValue());
            assertThat(store.admit(mailbox, limits, new SendCost(1, 1))).as("no newcomer takes a place in line")
                    .isInstanceOf(Admission.Wait.class);
            clock.set(e.getValue());
            Admission now = store.admit(mailbox, limits, new SendCost(1, 1), claimant);
            assertThat(now).as("message-%d at its ticket %s", e.getKey(), e.getValue()).isInstanceOf(Admission.Granted.class);
            store.release(((Admission.Granted) now).permit(), true);
            claimed.add(e.getValue());
        }
        for (Instant at : claimed) {
            long within = claimed.stream().filter(x -> !x.isBefore(at) && x.isBefore(at.plusSeconds(60))).count();
            assertThat(within).as("messages in the minute from %s", at).isLessThanOrEqualTo(limits.messagesPerMinute());
        }
        clock.set(claimed.get(claimed.size() - 1).plusSeconds(60));
        assertThat(b.admit(mailbox, limits, new SendCost(1, 1))).as("the line is empty: a newcomer goes at once")
                .isInstanceOf(Admission.Granted.class);
    }
}
