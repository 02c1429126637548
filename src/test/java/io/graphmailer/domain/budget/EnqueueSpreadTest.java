package io.graphmailer.domain.budget;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

class EnqueueSpreadTest {
    private static final Instant NOW = Instant.parse("2026-12-01T10:15:30Z");

    private static MailboxUsage usage(MailboxLimits limits, int messagesLastMinute, int recipientsLastDay, int graphLastTen) {
        return new MailboxUsage(limits, NOW, 0, messagesLastMinute, recipientsLastDay, graphLastTen, Map.of());
    }

    private static List<Duration> delays(EnqueueSpread spread, int n, SendCost cost) {
        List<Duration> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            out.add(spread.next(cost));
        }
        return out;
    }

    @Test
    void givenTheGraphRequestRateIsTheTighterLimit_thenSlicesAreTenMinutesApart() {
        EnqueueSpread spread = new EnqueueSpread(usage(new MailboxLimits(4, 1_000, 10_000, 5), 0, 0, 2));

        List<Duration> d = delays(spread, 9, new SendCost(1, 1));

        // Two Graph requests already in the window: three fit now, then five per 10 minutes.
        assertThat(d.subList(0, 3)).containsOnly(Duration.ZERO);
        assertThat(d.subList(3, 8)).containsOnly(Duration.ofMinutes(10));
        assertThat(d.get(8)).isEqualTo(Duration.ofMinutes(20));
        assertThat(spread.lastMessageAt()).isEqualTo(NOW.plus(Duration.ofMinutes(20)));
    }

    @Test
    void givenSmtpMessagesWhichMakeNoGraphRequests_thenOnlyTheMessageRateSlicesThem() {
        EnqueueSpread spread = new EnqueueSpread(usage(new MailboxLimits(3, 2, 10_000, 1), 0, 0, 1));

        assertThat(delays(spread, 5, new SendCost(1, 0)))
                .containsExactly(Duration.ZERO, Duration.ZERO, Duration.ofMinutes(1), Duration.ofMinutes(1), Duration.ofMinutes(2));
    }

    @Test
    void givenTheDailyBudgetAlreadyUsedUp_thenTheFirstMessageWaitsForTheWindow() {
        EnqueueSpread spread = new EnqueueSpread(usage(new MailboxLimits(4, 30, 100, 10_000), 0, 100, 0));

        assertThat(spread.next(new SendCost(3, 1))).isEqualTo(Duration.ofHours(24).plusMinutes(1));
        assertThat(spread.days()).isEqualTo(1);
        assertThat(spread.recipientsLeftToday()).isZero();
    }
}
