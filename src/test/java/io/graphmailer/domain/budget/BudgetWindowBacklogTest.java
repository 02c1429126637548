package io.graphmailer.domain.budget;

import io.graphmailer.domain.Mailbox;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.PriorityQueue;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The line under a backlog, as the fleet benchmark meets it: thousands of messages on the queue at once and a storage
 * account that answers only so many budget decisions a second. The queue hands out messages in the order they became
 * visible, so a holder coming back at its ticket's time waits behind every message that became visible before it; a
 * crowd of waiters coming back at one time makes every holder behind them late. A discrete-event run of one mailbox.
 */
class BudgetWindowBacklogTest {
    private static final Mailbox BOX = new Mailbox("noreply@contoso.com");
    private static final long T0 = Instant.parse("2026-12-01T10:00:00Z").toEpochMilli();
    private static final Duration LEASE = Duration.ofMinutes(5);

    /** What one run saw: every claimant's send time, and the decisions it took. */
    record Run(List<Long> sent, int decisions, int claimants, long end) {
        /** As the benchmark computes it: the limit over the mean gap between message j - limit and message j. */
        double sustainedPerMinute(int limit) {
            List<Long> s = sent.stream().sorted().toList();
            double sum = 0;
            for (int j = limit; j < s.size(); j++) {
                sum += s.get(j) - s.get(j - limit);
            }
            return limit * 60_000.0 / (sum / (s.size() - limit));
        }
    }

    private record Visible(long at, long order, String claimant) {
    }

    /**
     * {@code claimants} queued messages at T0, {@code decisionsPerSecond} budget decisions a second for the whole queue
     * (the storage account's share of this mailbox), 4 slots, sends of 100 ms. The queue's side is QueuedSendService's:
     * a ticketed wait under a second is waited in process, a longer one goes back for its whole seconds (rounded down);
     * a wait without a ticket goes back until its time plus up to a tenth of it (at most 1 s) plus a 1 s margin.
     */
    static Run run(int claimants, int limit, int decisionsPerSecond, long seed, Duration horizon) {
        Random random = new Random(seed);
        MailboxLimits limits = new MailboxLimits(4, limit, 1_000_000, 1_000_000);
        BudgetWindow w = BudgetWindow.empty();
        PriorityQueue<Visible> queue = new PriorityQueue<>(Comparator.comparingLong(Visible::at).thenComparingLong(Visible::order));
        PriorityQueue<long[]> releases = new PriorityQueue<>(Comparator.comparingLong(r -> r[0]));
        List<Permit> permits = new ArrayList<>();
        long order = 0;
        for (int i = 0; i < claimants; i++) {
            queue.add(new Visible(T0, order++, "q" + i));
        }
        List<Long> sent = new ArrayList<>();
        long server = T0; // when the storage account can take the next decision
        long decisionMs = 1_000L / decisionsPerSecond;
        int decisions = 0;
        int[] slotIds = {0};
        long end = T0 + horizon.toMillis();
        while (!queue.isEmpty() && server < end) {
            Visible next = queue.peek();
            long now = Math.max(server, next.at());
            while (!releases.isEmpty() && releases.peek()[0] <= now) {
                long[] r = releases.poll();
                w.release(permits.get((int) r[1]), true, Instant.ofEpochMilli(r[0]));
            }
            queue.poll();
            // In process: the same worker asks again after a short ticketed wait (at most 4 asks, as the queue path).
            Admission a = null;
            long at = now;
            for (int asked = 1; asked <= 4; asked++) {
                decisions++;
                a = w.admit(BOX, limits, new SendCost(1, 1), Instant.ofEpochMilli(at), LEASE, () -> "slot-" + slotIds[0]++,
                        Claimant.queued(next.claimant()));
                at += decisionMs;
                if (!(a instanceof Admission.Wait wait) || !wait.ticketed()
                        || wait.until().toEpochMilli() - at >= 1_000 || asked == 4) {
                    break;
                }
                at = Math.max(at, wait.until().toEpochMilli());
                while (!releases.isEmpty() && releases.peek()[0] <= at) {
                    long[] r = releases.poll();
                    w.release(permits.get((int) r[1]), true, Instant.ofEpochMilli(r[0]));
                }
            }
            server = Math.max(server + decisionMs, now + decisionMs);
            if (a instanceof Admission.Granted g) {
                permits.add(g.permit());
                long done = at + 100;
                sent.add(done);
                releases.add(new long[] {done, permits.size() - 1});
            } else {
                Admission.Wait wait = (Admission.Wait) a;
                long wantMs = Math.max(0, wait.until().toEpochMilli() - at);
                long back = wait.ticketed()
                        ? at + Math.max(1_000, wantMs / 1_000 * 1_000)
                        : at + wantMs + random.nextInt((int) (1 + Math.min(1_000, wantMs / 10))) + 1_000;
                queue.add(new Visible(back, order++, next.claimant()));
            }
        }
        Run result = new Run(sent, decisions, claimants, server);
        System.out.printf("backlog run: %d of %d sent, %.1f a minute against %d, %d decisions, %d tickets left%n", sent.size(),
                claimants, sent.size() > limit ? result.sustainedPerMinute(limit) : 0.0, limit, decisions, w.ticketsOutstanding());
        return result;
    }

    @Test
    void givenABacklogLargerThanTheStorageCanWorkThroughInAMinute_thenEveryMessageIsSentAndTheLineKeepsMoving() {
        // 1,667 messages and 10 decisions a second: the first pass alone takes almost 3 minutes. With a line of 4
        // minutes' worth (800 tickets) the other 867 came back together every minute, and no holder was ever on time
        // again: 200 sent, then nothing (the benchmark's collapse, reproduced here).
        int limit = 200;
        Run run = run(1_667, limit, 10, 7, Duration.ofMinutes(40));
        assertThat(run.sent()).as("every message sent within 40 simulated minutes (%d decisions)", run.decisions())
                .hasSize(1_667);
        assertThat(run.sustainedPerMinute(limit)).as("sustained messages a minute against %d allowed, storage saturated", limit)
                .isGreaterThanOrEqualTo(0.95 * limit);
    }

    @Test
    void givenStorageThatKeepsUp_thenTheRateIsUsedFully() {
        int limit = 200;
        Run run = run(1_667, limit, 25, 7, Duration.ofMinutes(40));
        assertThat(run.sent()).hasSize(1_667);
        assertThat(run.sustainedPerMinute(limit)).as("sustained messages a minute against %d allowed", limit)
                .isGreaterThanOrEqualTo(0.95 * limit);
        assertThat((double) run.decisions() / run.claimants()).as("budget decisions per message").isLessThan(4.0);
    }

    @Test
    void givenTheBenchmarksRateOfSixHundredAMinute_thenTheRateIsUsedFully() {
        int limit = 600;
        Run run = run(1_667, limit, 30, 11, Duration.ofMinutes(20));
        assertThat(run.sent()).as("every message sent (%d decisions)", run.decisions()).hasSize(1_667);
        assertThat(run.sustainedPerMinute(limit)).as("sustained messages a minute against %d allowed", limit)
                .isGreaterThanOrEqualTo(0.95 * limit);
    }
}
