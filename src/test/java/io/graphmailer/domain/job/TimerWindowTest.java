package io.graphmailer.domain.job;

import io.graphmailer.domain.EmailAddress;
import io.graphmailer.domain.Mailbox;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;

class TimerWindowTest {
    private static final ZoneId NEW_YORK = ZoneId.of("America/New_York");
    private static final Duration PAST_DUE_AFTER = Duration.ofMinutes(5);
    private static final Duration UNKNOWN_LAST_RUN = Duration.ofMinutes(2);

    private static TimerWindow window(String now, String lastRun) {
        return TimerWindow.of(Instant.parse(now), lastRun == null ? null : Instant.parse(lastRun), PAST_DUE_AFTER, UNKNOWN_LAST_RUN);
    }

    private static JobDefinition job(String schedule, ZoneId zone, PastDuePolicy pastDue) {
        return new JobDefinition("daily", NcrontabSchedule.parse(schedule), zone, new Mailbox("noreply@contoso.example"),
                new Recipients.Static(List.of(new EmailAddress("a@fabrikam.example", null)), List.of(), List.of()),
                new JobTemplates("s", null, "t"), List.of(), pastDue, true, true);
    }

    private static JobDefinition dailyAt8(PastDuePolicy pastDue) {
        return job("0 0 8 * * *", ZoneOffset.UTC, pastDue);
    }

    @Test
    void givenARecentLastRun_thenTheWindowRunsFromItToNow() {
        TimerWindow w = window("2025-01-06T08:00:30Z", "2025-01-06T07:59:30Z");

        assertThat(w).isEqualTo(new TimerWindow(Instant.parse("2025-01-06T07:59:30Z"), Instant.parse("2025-01-06T07:59:30Z"),
                Instant.parse("2025-01-06T08:00:30Z")));
        assertThat(w.due(dailyAt8(PastDuePolicy.CATCH_UP)))
                .isEqualTo(new DueOccurrences(List.of(Instant.parse("2025-01-06T08:00:00Z")), Optional.empty(), Optional.empty()));
    }

    @Test
    void givenAnOccurrenceExactlyAtEitherEdge_thenTheEndIsInAndTheStartIsOut() {
        assertThat(window("2025-01-06T08:00:00Z", "2025-01-06T07:59:00Z").due(dailyAt8(PastDuePolicy.CATCH_UP)).onTime())
                .containsExactly(Instant.parse("2025-01-06T08:00:00Z"));
        assertThat(window("2025-01-06T08:01:00Z", "2025-01-06T08:00:00Z").due(dailyAt8(PastDuePolicy.CATCH_UP)).onTime()).isEmpty();
    }

    @Test
    void givenNoLastRun_thenOnlyTheFixedLookBackIsRun() {
        TimerWindow w = window("2025-01-06T08:01:00Z", null);

        assertThat(w.from()).isEqualTo(Instant.parse("2025-01-06T07:59:00Z"));
        assertThat(w.due(dailyAt8(PastDuePolicy.CATCH_UP)).onTime()).containsExactly(Instant.parse("2025-01-06T08:00:00Z"));
        assertThat(window("2025-01-06T08:03:00Z", null).due(dailyAt8(PastDuePolicy.CATCH_UP)))
                .isEqualTo(new DueOccurrences(List.of(), Optional.empty(), Optional.empty()));
    }

    @Test
    void givenALastRunNotBeforeNow_thenItCountsAsUnknown() {
        assertThat(window("2025-01-06T08:01:00Z", "2025-01-06T08:01:00Z").from()).isEqualTo(Instant.parse("2025-01-06T07:59:00Z"));
        assertThat(window("2025-01-06T08:01:00Z", "2025-01-06T09:00:00Z").from()).isEqualTo(Instant.parse("2025-01-06T07:59:00Z"));
    }

    @Test
    void givenTheHostWasDownForDays_thenCatchUpRunsOnlyTheLatestMissedOccurrence() {
        DueOccurrences due = window("2025-01-06T12:00:00Z", "2025-01-02T09:00:00Z").due(dailyAt8(PastDuePolicy.CATCH_UP));

        assertThat(due).isEqualTo(new DueOccurrences(List.of(), Optional.of(Instant.parse("2025-01-06T08:00:00Z")), Optional.empty()));
    }

    @Test
    void givenPastDuePolicySkip_thenTheLatestMissedOccurrenceIsSkippedWithTheReason() {
        DueOccurrences due = window("2025-01-06T12:00:00Z", "2025-01-02T09:00:00Z").due(dailyAt8(PastDuePolicy.SKIP));

        assertThat(due.catchUp()).isEmpty();
        assertThat(due.skipped()).contains(new DueOccurrences.Skipped(Instant.parse("2025-01-06T08:00:00Z"), "past-due policy skip"));
    }

    @Test
    void givenAMissedAndAnOnTimeOccurrenceInOneTick_thenOnlyTheOnTimeOneRuns() {
        JobDefinition hourly = job("0 0 * * * *", ZoneOffset.UTC, PastDuePolicy.CATCH_UP);

        DueOccurrences due = window("2025-01-06T12:01:00Z", "2025-01-06T09:30:00Z").due(hourly);

        assertThat(due.onTime()).containsExactly(Instant.parse("2025-01-06T12:00:00Z"));
        assertThat(due.catchUp()).isEmpty();
        assertThat(due.skipped()).contains(new DueOccurrences.Skipped(Instant.parse("2025-01-06T11:00:00Z"),
                "an on-time occurrence runs in the same tick"));
    }

    @Test
    void givenSpringForward_thenAWallTimeInTheGapRunsOnceWhenTheClocksJump() {
        // New York, 9 March 2025: 02:00 EST -> 03:00 EDT; the 02:30 job is due at 03:00 EDT (07:00Z).
        JobDefinition at0230 = job("0 30 2 * * *", NEW_YORK, PastDuePolicy.CATCH_UP);

        assertThat(window("2025-03-09T07:00:30Z", "2025-03-09T06:59:30Z").due(at0230).onTime())
                .containsExactly(Instant.parse("2025-03-09T07:00:00Z"));
        assertThat(window("2025-03-09T07:31:00Z", "2025-03-09T07:29:00Z").due(at0230).onTime()).isEmpty();
    }

    @Test
    void givenFallBack_thenTheRepeatedWallTimeRunsOnceAtItsFirstPass() {
        // New York, 2 November 2025: 02:00 EDT -> 01:00 EST; 01:30 EDT is 05:30Z, 01:30 EST would be 06:30Z.
        JobDefinition at0130 = job("0 30 1 * * *", NEW_YORK, PastDuePolicy.CATCH_UP);

        assertThat(window("2025-11-02T05:30:30Z", "2025-11-02T05:29:30Z").due(at0130).onTime())
                .containsExactly(Instant.parse("2025-11-02T05:30:00Z"));
        assertThat(window("2025-11-02T06:30:30Z", "2025-11-02T06:29:30Z").due(at0130))
                .isEqualTo(new DueOccurrences(List.of(), Optional.empty(), Optional.empty()));
    }
}
