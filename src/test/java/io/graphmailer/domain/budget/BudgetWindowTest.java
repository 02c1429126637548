package io.graphmailer.domain.budget;

import io.graphmailer.domain.Mailbox;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
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
}
