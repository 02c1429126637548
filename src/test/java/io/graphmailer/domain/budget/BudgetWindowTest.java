package io.graphmailer.domain.budget;

import io.graphmailer.domain.Mailbox;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;

class BudgetWindowTest {
    private static final Mailbox BOX = new Mailbox("noreply@contoso.com");
    private static final Instant T0 = Instant.parse("2026-12-01T10:00:00Z");
    private static final Duration LEASE = Duration.ofMinutes(5);
    private final AtomicInteger ids = new AtomicInteger();

    private Admission admit(BudgetWindow w, MailboxLimits limits, int recipients, Instant at) {
        return w.admit(BOX, limits, new SendCost(recipients, 1), at, LEASE, () -> "slot-" + ids.incrementAndGet());
    }

    @Test
    void givenAllSlotsHeld_whenOneMoreSend_thenItWaitsAndASlotFreesOnRelease() {
        BudgetWindow w = BudgetWindow.empty();
        MailboxLimits limits = new MailboxLimits(2, 100, 10_000, 10_000);
        Permit first = ((Admission.Granted) admit(w, limits, 1, T0)).permit();
        admit(w, limits, 1, T0);
        Admission third = admit(w, limits, 1, T0);
        assertThat(third).isInstanceOf(Admission.Wait.class);
        assertThat(((Admission.Wait) third).limit()).isEqualTo(BudgetLimit.CONCURRENT_SENDS);
        assertThat(((Admission.Wait) third).until()).isEqualTo(T0.plus(BudgetWindow.CONCURRENCY_RECHECK));
        w.release(first, true);
        assertThat(admit(w, limits, 1, T0)).isInstanceOf(Admission.Granted.class);
    }

    @Test
    void givenASlotNeverReleased_whenItsLeaseEnds_thenTheSlotIsFreeAgain() {
        BudgetWindow w = BudgetWindow.empty();
        MailboxLimits limits = new MailboxLimits(1, 100, 10_000, 10_000);
        admit(w, limits, 1, T0);
        assertThat(admit(w, limits, 1, T0.plus(LEASE).minusMillis(1))).isInstanceOf(Admission.Wait.class);
        assertThat(admit(w, limits, 1, T0.plus(LEASE))).isInstanceOf(Admission.Granted.class);
    }

    @Test
    void givenThirtyMessagesThisMinute_thenTheNextWaitsUntilTheOldestIsAMinuteOld() {
        BudgetWindow w = BudgetWindow.empty();
        MailboxLimits limits = new MailboxLimits(100, 30, 10_000, 10_000);
        for (int i = 0; i < 30; i++) {
            Permit p = ((Admission.Granted) admit(w, limits, 1, T0.plusSeconds(i))).permit();
            w.release(p, true);
        }
        Admission next = admit(w, limits, 1, T0.plusSeconds(40));
        assertThat(((Admission.Wait) next).limit()).isEqualTo(BudgetLimit.MESSAGES_PER_MINUTE);
        assertThat(((Admission.Wait) next).until()).isEqualTo(T0.plusSeconds(60));
        assertThat(admit(w, limits, 1, T0.plusSeconds(60))).isInstanceOf(Admission.Granted.class);
    }

    @Test
    void givenTheDailyRecipientBudgetNearlyUsed_thenAMessageThatWouldPassItWaitsUntilEnoughLeaveTheWindow() {
        BudgetWindow w = BudgetWindow.empty();
        MailboxLimits limits = new MailboxLimits(100, 1000, 100, 10_000);
        w.release(((Admission.Granted) admit(w, limits, 60, T0)).permit(), true);
        w.release(((Admission.Granted) admit(w, limits, 30, T0.plusSeconds(3600))).permit(), true);
        Admission over = admit(w, limits, 20, T0.plusSeconds(7200));
        assertThat(((Admission.Wait) over).limit()).isEqualTo(BudgetLimit.RECIPIENTS_PER_DAY);
        assertThat(((Admission.Wait) over).limit().problemCode()).isEqualTo("MailboxDailyQuotaReached");
        // The 60 of T0's minute leave at the end of that minute plus 24 hours: never earlier.
        assertThat(((Admission.Wait) over).until()).isEqualTo(T0.plusSeconds(60).plus(Duration.ofHours(24)));
        assertThat(admit(w, limits, 10, T0.plusSeconds(7200))).isInstanceOf(Admission.Granted.class);
        assertThat(admit(w, limits, 20, T0.plusSeconds(60).plus(Duration.ofHours(24)).minusMillis(1))).isInstanceOf(Admission.Wait.class);
        assertThat(admit(w, limits, 20, T0.plusSeconds(60).plus(Duration.ofHours(24)))).isInstanceOf(Admission.Granted.class);
    }

    @Test
    void givenMoreRecipientsThanTheDailyBudget_thenTheMessageIsRefusedNotDeferred() {
        Admission a = admit(BudgetWindow.empty(), new MailboxLimits(4, 30, 100, 10_000), 101, T0);
        assertThat(a).isInstanceOf(Admission.Refused.class);
        assertThat(((Admission.Refused) a).limit()).isEqualTo(BudgetLimit.RECIPIENTS_PER_DAY);
    }

    @Test
    void givenASendCertainlyNotSent_whenReleased_thenItsMessageAndRecipientsAreGivenBack() {
        BudgetWindow w = BudgetWindow.empty();
        MailboxLimits limits = new MailboxLimits(4, 1, 50, 10_000);
        Permit p = ((Admission.Granted) admit(w, limits, 50, T0)).permit();
        w.release(p, false);
        MailboxUsage usage = w.usage(limits, T0);
        assertThat(usage.messagesLastMinute()).isZero();
        assertThat(usage.recipientsLastDay()).isZero();
        assertThat(usage.graphRequestsLastTenMinutes()).isEqualTo(1); // the request was made
        assertThat(admit(w, limits, 50, T0)).isInstanceOf(Admission.Granted.class);
    }

    @Test
    void givenAWindow_whenEncodedAndDecoded_thenItDecidesTheSame() {
        BudgetWindow w = BudgetWindow.empty();
        MailboxLimits limits = new MailboxLimits(2, 3, 100, 10_000);
        admit(w, limits, 40, T0);
        w.release(((Admission.Granted) admit(w, limits, 50, T0.plusSeconds(5))).permit(), true);
        BudgetWindow copy = BudgetWindow.decode(w.encode());
        assertThat(copy.encode()).isEqualTo(w.encode());
        assertThat(copy.usage(limits, T0.plusSeconds(6))).isEqualTo(w.usage(limits, T0.plusSeconds(6)));
        assertThat(admit(copy, limits, 11, T0.plusSeconds(6))).isInstanceOf(Admission.Wait.class);
        assertThat(admit(copy, limits, 10, T0.plusSeconds(6))).isInstanceOf(Admission.Granted.class);
    }

    @Test
    void givenAStoredFormOfAnotherVersion_thenDecodeRefusesIt() {
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> BudgetWindow.decode("v9|||"))
                .isInstanceOf(IllegalArgumentException.class);
    }
    @Test
    void givenSendsSlowerThanTheirSlotLease_whenReleasedAsSent_thenTheMinuteCountsFromTheirEndNotTheirAdmission() {
        // Seen under load: the slots (8 s lease) expired while the sends took 15 s; the minute must still count from the end.
        BudgetWindow w = BudgetWindow.empty();
        MailboxLimits limits = new MailboxLimits(4, 2, 10_000, 10_000);
        Duration lease = Duration.ofSeconds(8);
        Permit a = ((Admission.Granted) w.admit(BOX, limits, new SendCost(1, 1), T0, lease, () -> "a")).permit();
        Permit b = ((Admission.Granted) w.admit(BOX, limits, new SendCost(1, 1), T0, lease, () -> "b")).permit();
        assertThat(w.holds(a)).isTrue();
        w.admit(BOX, limits, new SendCost(1, 1), T0.plusSeconds(9), lease, () -> "probe"); // prunes the expired slots
        assertThat(w.holds(a)).isFalse();
        assertThat(w.release(a, true, T0.plusSeconds(15))).isTrue();
        assertThat(w.release(b, true, T0.plusSeconds(15))).isTrue();
        Admission next = w.admit(BOX, limits, new SendCost(1, 1), T0.plusSeconds(61), lease, () -> "c");
        assertThat(next).isInstanceOf(Admission.Wait.class);
        assertThat(((Admission.Wait) next).until()).isEqualTo(T0.plusSeconds(75));
        assertThat(w.admit(BOX, limits, new SendCost(1, 1), T0.plusSeconds(75), lease, () -> "d")).isInstanceOf(Admission.Granted.class);
    }

    @Test
    void givenASendThatOutlastedItsMinute_whenReleasedAsSent_thenItIsCountedAgainFromItsEnd() {
        BudgetWindow w = BudgetWindow.empty();
        MailboxLimits limits = new MailboxLimits(4, 1, 10_000, 10_000);
        Duration lease = Duration.ofSeconds(8);
        Permit slow = ((Admission.Granted) w.admit(BOX, limits, new SendCost(1, 1), T0, lease, () -> "slow")).permit();
        // A minute later the slot and the message have left the window: another send is admitted, then given back unsent.
        Permit x = ((Admission.Granted) w.admit(BOX, limits, new SendCost(1, 1), T0.plusSeconds(60), lease, () -> "x")).permit();
        w.release(x, false, T0.plusSeconds(61));
        w.release(slow, true, T0.plusSeconds(70));
        Admission after = w.admit(BOX, limits, new SendCost(1, 1), T0.plusSeconds(71), lease, () -> "y");
        assertThat(after).isInstanceOf(Admission.Wait.class);
        assertThat(((Admission.Wait) after).limit()).isEqualTo(BudgetLimit.MESSAGES_PER_MINUTE);
    }

    @Test
    void givenASendThatTookSeconds_whenReleasedAsSent_thenItsMinuteCountsFromItsEndNotItsAdmission() {
        // The mail service took the message somewhere between admission and release; its window runs from then.
        BudgetWindow w = BudgetWindow.empty();
        MailboxLimits limits = new MailboxLimits(4, 1, 10_000, 10_000);
        Permit slow = ((Admission.Granted) admit(w, limits, 3, T0.plusSeconds(50))).permit();
        w.release(slow, true, T0.plusSeconds(65)); // 15 s later, in the next minute
        Admission next = admit(w, limits, 1, T0.plusSeconds(111));
        assertThat(next).isInstanceOf(Admission.Wait.class);
        assertThat(((Admission.Wait) next).until()).isEqualTo(T0.plusSeconds(125));
        assertThat(admit(w, limits, 1, T0.plusSeconds(125))).isInstanceOf(Admission.Granted.class);
        // Its recipients moved to the minute it ended in, so they leave the 24-hour window with that minute.
        MailboxLimits three = new MailboxLimits(4, 100, 4, 10_000);
        Admission recipients = admit(w, three, 1, T0.plus(Duration.ofHours(24)).plusSeconds(90));
        assertThat(recipients).as("the minute of 10:01 is still in the window at 10:01:30 the next day").isInstanceOf(Admission.Wait.class);
    }

    // ---- tickets: the messages-per-minute limit handed out in line

    private Admission claim(BudgetWindow w, MailboxLimits limits, String claimant, Instant at) {
        return w.admit(BOX, limits, new SendCost(1, 1), at, LEASE, () -> "slot-" + ids.incrementAndGet(), Claimant.queued(claimant));
    }

    /** A full minute: {@code limit} messages sent and released at T0 + i seconds. */
    private BudgetWindow fullMinute(MailboxLimits limits) {
        BudgetWindow w = BudgetWindow.empty();
        for (int i = 0; i < limits.messagesPerMinute(); i++) {
            Permit p = ((Admission.Granted) admit(w, limits, 1, T0.plusSeconds(i))).permit();
            w.release(p, true);
        }
        return w;
    }

    /** {@link #fullMinute} and a ticket for each of {@code holders}, taken at T0 + 5 s. */
    private BudgetWindow fullMinuteWithHolders(MailboxLimits limits, String... holders) {
        BudgetWindow w = fullMinute(limits);
        for (String holder : holders) {
            claim(w, limits, holder, T0.plusSeconds(5));
        }
        return w;
    }

    @Test
    void givenAFullMinute_whenSeveralWait_thenEachGetsADistinctTicketInTheOrderTheyCame() {
        MailboxLimits limits = new MailboxLimits(100, 3, 10_000, 10_000);
        BudgetWindow w = fullMinute(limits); // messages at T0, T0+1, T0+2
        Instant now = T0.plusSeconds(10);
        List<Instant> times = new ArrayList<>();
        for (String c : List.of("a", "b", "c", "d", "e")) {
            Admission.Wait wait = (Admission.Wait) claim(w, limits, c, now);
            assertThat(wait.ticketed()).isTrue();
            assertThat(wait.limit()).isEqualTo(BudgetLimit.MESSAGES_PER_MINUTE);
            times.add(wait.until());
        }
        // The k-th waiter gets the k-th time a place frees: the first three as the sent messages leave the minute, the
        // next two a minute after the first two tickets.
        assertThat(times).containsExactly(T0.plusSeconds(60), T0.plusSeconds(61), T0.plusSeconds(62), T0.plusSeconds(120),
                T0.plusSeconds(121));
        assertThat(w.ticketsOutstanding()).isEqualTo(5);
    }

    @Test
    void givenATicket_whenItsHolderComesBackEarly_thenItWaitsUntilItsTimeAndKeepsItsPlace() {
        MailboxLimits limits = new MailboxLimits(100, 2, 10_000, 10_000);
        BudgetWindow w = fullMinute(limits);
        assertThat(((Admission.Wait) claim(w, limits, "a", T0.plusSeconds(5))).until()).isEqualTo(T0.plusSeconds(60));
        assertThat(((Admission.Wait) claim(w, limits, "b", T0.plusSeconds(5))).until()).isEqualTo(T0.plusSeconds(61));
        int changes = w.changes();
        Admission early = claim(w, limits, "a", T0.plusSeconds(59));
        assertThat(((Admission.Wait) early).until()).isEqualTo(T0.plusSeconds(60));
        assertThat(((Admission.Wait) early).ticketed()).isTrue();
        assertThat(w.changes()).as("an early holder changes nothing: no new ticket, no write").isEqualTo(changes);
        assertThat(w.ticketsOutstanding()).isEqualTo(2);
        assertThat(claim(w, limits, "a", T0.plusSeconds(60))).isInstanceOf(Admission.Granted.class);
        assertThat(w.ticketsOutstanding()).isEqualTo(1);
    }

    @Test
    void givenATicketNotClaimed_whenItsHolderIsLate_thenThePlaceGoesToWhoeverIsHereAndTheTicketLapsesAfterItsGrace() {
        MailboxLimits limits = new MailboxLimits(100, 1, 10_000, 10_000);
        BudgetWindow w = fullMinute(limits); // one message at T0
        assertThat(((Admission.Wait) claim(w, limits, "gone", T0.plusSeconds(1))).until()).isEqualTo(T0.plusSeconds(60));
        assertThat(admit(w, limits, 1, T0.plusSeconds(61))).as("the place is held against arrivals without a ticket at first")
                .isInstanceOf(Admission.Wait.class);
        assertThat(admit(w, limits, 1, T0.plusSeconds(60).plus(BudgetWindow.TICKET_PRIORITY)))
                .as("its holder is late: the place goes to whoever is here instead of going unused").isInstanceOf(Admission.Granted.class);
        Instant lapsed = T0.plusSeconds(60).plus(BudgetWindow.TICKET_GRACE);
        admit(w, limits, 1, lapsed.minusMillis(1));
        assertThat(w.ticketsOutstanding()).as("kept for its holder until its grace ends").isEqualTo(1);
        admit(w, limits, 1, lapsed);
        assertThat(w.ticketsOutstanding()).isZero();
    }

    @Test
    void givenAHolderBehindABacklog_whenItComesMinutesLate_thenItGoesWhenTheMinuteHasRoomNotAtTheEndOfTheLine() {
        MailboxLimits limits = new MailboxLimits(100, 1, 10_000, 10_000);
        BudgetWindow w = fullMinute(limits); // one message at T0
        claim(w, limits, "late", T0.plusSeconds(1)); // ticket at T0+60
        assertThat(((Admission.Wait) claim(w, limits, "next", T0.plusSeconds(2))).until()).isEqualTo(T0.plusSeconds(120));
        assertThat(((Admission.Wait) claim(w, limits, "far", T0.plusSeconds(3))).until()).isEqualTo(T0.plusSeconds(180));
        assertThat(claim(w, limits, "next", T0.plusSeconds(120))).as("on time, not held up by a holder a minute late")
                .isInstanceOf(Admission.Granted.class);
        // Behind a backlog on the queue, "late" comes 140 s after its time, when "far" (due 20 s ago) has not come yet.
        assertThat(claim(w, limits, "late", T0.plusSeconds(200))).as("still a holder: it goes, it does not start again at the end")
                .isInstanceOf(Admission.Granted.class);
    }

    @Test
    void givenHoldersOfOneBurstComingBackTogether_thenTheFirstInLineIsNotHeldUpByTheTicketsBehindIt() {
        MailboxLimits limits = new MailboxLimits(100, 2, 10_000, 10_000);
        BudgetWindow w = BudgetWindow.empty();
        Permit slow = ((Admission.Granted) admit(w, limits, 1, T0)).permit();
        Permit quick = ((Admission.Granted) admit(w, limits, 1, T0.plusMillis(100))).permit();
        w.release(quick, true, T0.plusMillis(100));
        assertThat(((Admission.Wait) claim(w, limits, "first", T0.plusSeconds(1))).until()).isEqualTo(T0.plusSeconds(60));
        assertThat(((Admission.Wait) claim(w, limits, "second", T0.plusSeconds(1))).until()).isEqualTo(T0.plusSeconds(60).plusMillis(100));
        w.release(slow, true, T0.plusSeconds(5)); // that send took 5 s: it counts from then, one place stays taken until T0+65
        // Both come back half a second late, together (the host's polling): one place is free.
        assertThat(claim(w, limits, "first", T0.plusMillis(60_500))).as("the second holder's ticket is behind it")
                .isInstanceOf(Admission.Granted.class);
        Admission second = claim(w, limits, "second", T0.plusMillis(60_501));
        assertThat(((Admission.Wait) second).ticketed()).isTrue();
        assertThat(((Admission.Wait) second).until()).as("it keeps its place until the slow send's minute ends")
                .isEqualTo(T0.plusSeconds(65));
    }

    @Test
    void givenADueTicketNotYetClaimed_thenAnArrivalWithoutATicketDoesNotTakeItsPlace() {
        MailboxLimits limits = new MailboxLimits(100, 2, 10_000, 10_000);
        BudgetWindow w = fullMinute(limits); // T0, T0+1
        claim(w, limits, "holder", T0.plusSeconds(30)); // ticket at T0+60
        Admission ticketless = admit(w, limits, 1, T0.plusSeconds(60).plusMillis(500));
        // The holder's place (T0+60) and the message of T0+1 fill the minute until T0+61; the newcomer may go then,
        // and it does not hold that time (it took no ticket).
        assertThat(ticketless).isInstanceOf(Admission.Wait.class);
        assertThat(((Admission.Wait) ticketless).ticketed()).isFalse();
        assertThat(((Admission.Wait) ticketless).until()).isEqualTo(T0.plusSeconds(61));
        Admission queued = claim(w, limits, "later", T0.plusSeconds(60).plusMillis(500));
        assertThat(((Admission.Wait) queued).until()).as("behind the holder in line").isEqualTo(T0.plusSeconds(61));
        assertThat(claim(w, limits, "holder", T0.plusSeconds(65))).as("late, but its place was kept").isInstanceOf(Admission.Granted.class);
    }

    @Test
    void givenADueHolderAFewMsShort_thenItWaitsTheRestKeepingItsPlace() {
        MailboxLimits limits = new MailboxLimits(100, 1, 10_000, 10_000);
        BudgetWindow w = BudgetWindow.empty();
        Permit first = ((Admission.Granted) admit(w, limits, 1, T0)).permit();
        assertThat(((Admission.Wait) claim(w, limits, "a", T0.plusMillis(10))).until()).isEqualTo(T0.plusSeconds(60));
        w.release(first, true, T0.plusMillis(150)); // the send ended 150 ms after its admission: it counts from then
        Admission shortBy = claim(w, limits, "a", T0.plusSeconds(60));
        assertThat(((Admission.Wait) shortBy).ticketed()).isTrue();
        assertThat(((Admission.Wait) shortBy).until()).isEqualTo(T0.plusSeconds(60).plusMillis(150));
        assertThat(admit(w, limits, 1, T0.plusSeconds(60).plusMillis(150))).as("nobody else takes it meanwhile")
                .isInstanceOf(Admission.Wait.class);
        assertThat(claim(w, limits, "a", T0.plusSeconds(60).plusMillis(150))).isInstanceOf(Admission.Granted.class);
    }

    @Test
    void givenTheLineFull_thenTheNextWaitWithoutATicketAndComeBackSpreadOverTheLine() {
        MailboxLimits limits = new MailboxLimits(100, 2, 10_000, 10_000);
        BudgetWindow w = fullMinute(limits);
        int cap = BudgetWindow.LINE_LENGTH;
        List<Instant> times = new ArrayList<>();
        for (int i = 0; i < cap; i++) {
            times.add(((Admission.Wait) claim(w, limits, "c" + i, T0.plusSeconds(5))).until());
        }
        Instant firstMinuteClaimed = times.get(limits.messagesPerMinute() - 1);
        Instant lineEnd = times.get(cap - 1);
        java.util.Set<Instant> backAt = new java.util.HashSet<>();
        for (int i = 0; i < 50; i++) {
            Admission beyond = claim(w, limits, "beyond-" + i, T0.plusSeconds(5));
            assertThat(((Admission.Wait) beyond).ticketed()).isFalse();
            assertThat(((Admission.Wait) beyond).until()).isBetween(firstMinuteClaimed, lineEnd);
            backAt.add(((Admission.Wait) beyond).until());
        }
        assertThat(backAt).as("the waiters past the line do not come back together").hasSizeGreaterThan(45);
        assertThat(w.ticketsOutstanding()).isEqualTo(cap);
    }

    @Test
    void givenHttpCallersThatWaitAtMostTheirWait_thenATicketIsTakenOnlyWithinIt() {
        MailboxLimits limits = new MailboxLimits(100, 1, 10_000, 10_000);
        BudgetWindow w = fullMinute(limits); // T0
        Admission far = w.admit(BOX, limits, new SendCost(1, 1), T0.plusSeconds(10), LEASE, () -> "s",
                Claimant.waitingAtMost("http-1", Duration.ofSeconds(3)));
        assertThat(((Admission.Wait) far).ticketed()).isFalse();
        assertThat(((Admission.Wait) far).until()).isEqualTo(T0.plusSeconds(60));
        assertThat(w.ticketsOutstanding()).isZero();
        Admission near = w.admit(BOX, limits, new SendCost(1, 1), T0.plusSeconds(58), LEASE, () -> "s",
                Claimant.waitingAtMost("http-2", Duration.ofSeconds(3)));
        assertThat(((Admission.Wait) near).ticketed()).isTrue();
        assertThat(((Admission.Wait) near).until()).isEqualTo(T0.plusSeconds(60));
    }

    @Test
    void givenManyClaimantsComingBackEarlyAndLate_thenNoMinuteHoldsMoreThanTheLimitAndTheRateIsUsedFully() {
        // A discrete-event run: 600 queued claimants at once and a few ticketless ones on the side, limit 30 a minute and
        // 4 slots; a deferred claimant comes back between 1 s early and 0.5 s late (the queue's whole-second delays and
        // its polling), an early one waits the rest in process as the queue path does; a send takes 50..300 ms.
        java.util.Random random = new java.util.Random(13);
        int limit = 30;
        MailboxLimits limits = new MailboxLimits(4, limit, 100_000, 100_000);
        BudgetWindow w = BudgetWindow.empty();
        record Event(long at, String claimant, Permit release, boolean queuedSend) {
        }
        java.util.PriorityQueue<Event> events = new java.util.PriorityQueue<>(java.util.Comparator.comparingLong(Event::at));
        long t0 = T0.toEpochMilli();
        int queued = 600;
        for (int i = 0; i < queued; i++) {
            events.add(new Event(t0 + random.nextInt(2_000), "q" + i, null, false));
        }
        for (int i = 0; i < 40; i++) {
            events.add(new Event(t0 + random.nextInt(10 * 60_000), "http" + i, null, false));
        }
        List<Long> admitted = new ArrayList<>();
        List<Long> released = new ArrayList<>();
        List<Long> queuedReleased = new ArrayList<>();
        int queuedSent = 0;
        while (!events.isEmpty()) {
            Event e = events.poll();
            Instant now = Instant.ofEpochMilli(e.at());
            if (e.release() != null) {
                w.release(e.release(), true, now);
                released.add(e.at());
                if (e.queuedSend()) {
                    queuedReleased.add(e.at());
                }
                continue;
            }
            boolean http = e.claimant().startsWith("http");
            Admission a = w.admit(BOX, limits, new SendCost(1, 1), now, LEASE, () -> "slot-" + ids.incrementAndGet(),
                    http ? Claimant.once() : Claimant.queued(e.claimant()));
            if (a instanceof Admission.Granted g) {
                admitted.add(e.at());
                queuedSent += http ? 0 : 1;
                events.add(new Event(e.at() + 50 + random.nextInt(251), null, g.permit(), !http));
            } else {
                Admission.Wait wait = (Admission.Wait) a;
                long until = wait.until().toEpochMilli();
                // A ticketed wait under a second is waited in process; a longer one goes back on the queue for its whole
                // seconds (rounded down) and is picked up within 0.5 s; one without a ticket comes back up to 1 s late.
                long back = !wait.ticketed() ? until + random.nextInt(1_001)
                        : until - e.at() < 1_000 ? until
                        : e.at() + (until - e.at()) / 1_000 * 1_000 + random.nextInt(501);
                events.add(new Event(Math.max(e.at() + 1, back), e.claimant(), null, false));
            }
        }
        assertThat(queuedSent).as("every queued claimant was sent once").isEqualTo(queued);
        assertThat(maxWithin(admitted, 60_000)).isLessThanOrEqualTo(limit);
        assertThat(maxWithin(released, 60_000)).isLessThanOrEqualTo(limit);
        // As the benchmark measures it: message j goes no earlier than a minute after message j - limit (the ticketless
        // senders are left out: they go only once the line is empty, as they should).
        List<Long> sorted = queuedReleased.stream().sorted().toList();
        double sum = 0;
        for (int j = limit; j < sorted.size(); j++) {
            sum += sorted.get(j) - sorted.get(j - limit);
        }
        double rate = limit * 60_000.0 / (sum / (sorted.size() - limit));
        assertThat(rate).as("sustained messages a minute against %d allowed", limit).isGreaterThanOrEqualTo(0.95 * limit);
    }

    static int maxWithin(List<Long> times, long windowMs) {
        List<Long> sorted = times.stream().sorted().toList();
        int max = 0;
        int from = 0;
        for (int to = 0; to < sorted.size(); to++) {
            while (sorted.get(to) - sorted.get(from) >= windowMs) {
                from++;
            }
            max = Math.max(max, to - from + 1);
        }
        return max;
    }

    @Test
    void givenSeveralLateHoldersFindingTheMinuteFull_thenEachIsToldTheTimeOfItsOwnPlaceInLineOrder() {
        MailboxLimits limits = new MailboxLimits(100, 3, 10_000, 10_000);
        BudgetWindow w = fullMinute(limits); // messages at T0, T0+1, T0+2
        for (String holder : List.of("a", "b", "c")) {
            claim(w, limits, holder, T0.plusSeconds(3)); // tickets at T0+60, T0+61, T0+62
        }
        // The holders are late behind a backlog: their places go to sends that are there (at T0+63, +63.5, +64).
        for (Instant at : List.of(T0.plusSeconds(63), T0.plusMillis(63_500), T0.plusSeconds(64))) {
            Permit p = ((Admission.Granted) admit(w, limits, 1, at)).permit();
            w.release(p, true, at);
        }
        Instant back = T0.plusSeconds(65);
        List<Instant> told = new ArrayList<>();
        for (String holder : List.of("a", "b", "c")) {
            Admission.Wait wait = (Admission.Wait) claim(w, limits, holder, back);
            assertThat(wait.ticketed()).isTrue();
            told.add(wait.until());
        }
        // Not all the next place's time (T0+123): one would go and the others wait again.
        assertThat(told).containsExactly(T0.plusSeconds(123), T0.plusMillis(123_500), T0.plusSeconds(124));
        assertThat(claim(w, limits, "a", T0.plusSeconds(123))).isInstanceOf(Admission.Granted.class);
        assertThat(claim(w, limits, "b", T0.plusMillis(123_500))).isInstanceOf(Admission.Granted.class);
        assertThat(claim(w, limits, "c", T0.plusSeconds(124))).isInstanceOf(Admission.Granted.class);
    }

    @Test
    void givenALateHolderToldToWait_thenATicketGivenAfterwardsIsForTheNextPlaceNotTheSame() {
        MailboxLimits limits = new MailboxLimits(100, 1, 10_000, 10_000);
        BudgetWindow w = fullMinute(limits); // a message at T0
        claim(w, limits, "late", T0.plusSeconds(1)); // ticket at T0+60
        // Its holder is late behind a backlog: the place goes to a send that is there.
        Permit there = ((Admission.Granted) admit(w, limits, 1, T0.plusSeconds(63))).permit();
        w.release(there, true, T0.plusSeconds(63));
        Admission.Wait late = (Admission.Wait) claim(w, limits, "late", T0.plusSeconds(65));
        assertThat(late.until()).isEqualTo(T0.plusSeconds(123));
        Admission.Wait next = (Admission.Wait) claim(w, limits, "next", T0.plusSeconds(66));
        assertThat(next.until()).as("behind the late holder's new place, not on it").isEqualTo(T0.plusSeconds(183));
        assertThat(claim(w, limits, "late", T0.plusSeconds(123))).isInstanceOf(Admission.Granted.class);
        assertThat(claim(w, limits, "next", T0.plusSeconds(183))).isInstanceOf(Admission.Granted.class);
    }

    @Test
    void givenAHolderMovedToTheTimeItFits_whenEncodedAndDecoded_thenItsNewPlaceIsKept() {
        MailboxLimits limits = new MailboxLimits(100, 1, 10_000, 10_000);
        BudgetWindow w = BudgetWindow.empty();
        Permit first = ((Admission.Granted) admit(w, limits, 1, T0)).permit();
        claim(w, limits, "a", T0.plusMillis(10)); // T0+60
        claim(w, limits, "b", T0.plusMillis(20)); // T0+120
        w.release(first, true, T0.plusMillis(300)); // counts from its end: "a" is 300 ms short
        assertThat(((Admission.Wait) claim(w, limits, "a", T0.plusSeconds(60))).until()).isEqualTo(T0.plusMillis(60_300));
        BudgetWindow read = BudgetWindow.decode(w.encode());
        assertThat(read.encode()).isEqualTo(w.encode());
        assertThat(((Admission.Wait) claim(read, limits, "a", T0.plusMillis(60_100))).until()).as("its moved ticket, read back")
                .isEqualTo(T0.plusMillis(60_300));
        assertThat(claim(read, limits, "a", T0.plusMillis(60_300))).isInstanceOf(Admission.Granted.class);
        assertThat(((Admission.Wait) claim(read, limits, "b", T0.plusSeconds(120))).until()).isEqualTo(T0.plusMillis(120_300));
    }

    @Test
    void givenAWindowWithTickets_whenEncodedAndDecoded_thenItDecidesTheSame() {
        MailboxLimits limits = new MailboxLimits(4, 2, 100, 10_000);
        BudgetWindow w = fullMinuteWithHolders(limits, "a", "b|,@:odd");
        String stored = w.encode();
        assertThat(stored).startsWith("v3|");
        BudgetWindow copy = BudgetWindow.decode(stored);
        assertThat(copy.encode()).isEqualTo(stored);
        assertThat(copy.ticketsOutstanding()).isEqualTo(2);
        assertThat(((Admission.Wait) claim(copy, limits, "b|,@:odd", T0.plusSeconds(6))).until()).isEqualTo(T0.plusSeconds(61));
        assertThat(((Admission.Wait) claim(copy, limits, "c", T0.plusSeconds(6))).until()).isEqualTo(T0.plusSeconds(120));
    }

    @Test
    void givenAWindowStoredByTheFirstVersion_thenItIsReadAndDecidesAsBefore() {
        long at = T0.toEpochMilli();
        long minute = at / 60_000;
        String v1 = "v1|slot-x@" + (at + 300_000) + "|" + at + "|" + minute + ":7|" + minute + ":1";
        BudgetWindow w = BudgetWindow.decode(v1);
        MailboxLimits limits = new MailboxLimits(1, 2, 100, 10_000);
        MailboxUsage usage = w.usage(limits, T0.plusSeconds(1));
        assertThat(usage.messagesLastMinute()).isEqualTo(1);
        assertThat(usage.recipientsLastDay()).isEqualTo(7);
        assertThat(usage.graphRequestsLastTenMinutes()).isEqualTo(1);
        assertThat(((Admission.Wait) admit(w, limits, 1, T0.plusSeconds(1))).limit()).isEqualTo(BudgetLimit.CONCURRENT_SENDS);
        assertThat(w.encode()).startsWith("v3|");
    }

    @Test
    void givenAWindowStoredByTheSecondVersion_thenItsTicketsAndMessagesAreReadAsBefore() {
        MailboxLimits limits = new MailboxLimits(4, 2, 100, 10_000);
        BudgetWindow w = fullMinuteWithHolders(limits, "a", "b");
        String v3 = w.encode();
        // The same window in v2's form: times in decimal, every ticket key@at@expires.
        String[] p = v3.split("\\|", -1);
        StringBuilder messages = new StringBuilder();
        long t = 0;
        for (String d : p[2].split(",")) {
            t += Long.parseLong(d, 36);
            messages.append(messages.length() == 0 ? "" : ",").append(t);
        }
        StringBuilder tickets = new StringBuilder();
        long at = 0;
        for (String item : p[5].split(",")) {
            String[] k = item.split("@");
            at += Long.parseLong(k[1], 36);
            long expires = at + BudgetWindow.TICKET_GRACE.toMillis() + (k.length == 3 ? Long.parseLong(k[2], 36) : 0);
            tickets.append(tickets.length() == 0 ? "" : ",").append(k[0]).append('@').append(at).append('@').append(expires);
        }
        String v2 = String.join("|", "v2", p[1], messages, p[3], p[4], tickets);

        BudgetWindow copy = BudgetWindow.decode(v2);
        assertThat(copy.encode()).isEqualTo(v3);
        assertThat(((Admission.Wait) claim(copy, limits, "b", T0.plusSeconds(6))).until()).isEqualTo(T0.plusSeconds(61));
        assertThat(((Admission.Wait) claim(copy, limits, "c", T0.plusSeconds(6))).until()).isEqualTo(T0.plusSeconds(120));
    }

    @Test
    void givenAFullLineOfTickets_thenItIsStoredInLessThanHalfTheCharactersOfTheSecondVersion() {
        MailboxLimits limits = new MailboxLimits(4, 50, 1_000_000, 1_000_000);
        BudgetWindow w = fullMinute(limits); // 50 messages at T0 .. T0 + 49 s
        for (int i = 0; i < BudgetWindow.LINE_LENGTH; i++) {
            claim(w, limits, "waiter-" + i, T0.plusSeconds(50));
        }
        assertThat(w.ticketsOutstanding()).isEqualTo(BudgetWindow.LINE_LENGTH);
        String stored = w.encode();
        // v2 stored 16 + 1 + 13 + 1 + 13 characters and a comma per ticket.
        assertThat(stored.length()).isLessThan(BudgetWindow.LINE_LENGTH * 45 / 2);
        BudgetWindow copy = BudgetWindow.decode(stored);
        assertThat(copy.encode()).isEqualTo(stored);
        assertThat(copy.ticketsOutstanding()).isEqualTo(BudgetWindow.LINE_LENGTH);
    }
}
