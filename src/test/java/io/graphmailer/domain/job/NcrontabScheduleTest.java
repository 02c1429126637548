package io.graphmailer.domain.job;

import io.graphmailer.domain.job.NcrontabSchedule.InvalidScheduleException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class NcrontabScheduleTest {
    private static final ZoneId UTC = ZoneOffset.UTC;
    private static final ZoneId NEW_YORK = ZoneId.of("America/New_York");
    private static final ZoneId BERLIN = ZoneId.of("Europe/Berlin");

    private static List<String> next(String expression, String afterLocal, ZoneId zone, int count) {
        NcrontabSchedule schedule = NcrontabSchedule.parse(expression);
        Instant t = LocalDateTime.parse(afterLocal).atZone(zone).toInstant();
        List<String> out = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            t = schedule.next(t, zone).orElseThrow();
            out.add(ZonedDateTime.ofInstant(t, zone).toOffsetDateTime().toString());
        }
        return out;
    }

    @Test
    void givenSixFieldsSecondsFirst_thenTheFirstFieldIsSeconds() {
        assertThat(next("15 * * * * *", "2025-01-01T10:00:00", UTC, 3))
                .containsExactly("2025-01-01T10:00:15Z", "2025-01-01T10:01:15Z", "2025-01-01T10:02:15Z");
    }

    @Test
    void givenEveryFiveMinutes_thenOccurrencesAreOnTheFiveMinuteMarks() {
        assertThat(next("0 */5 * * * *", "2025-01-01T10:02:30", UTC, 3))
                .containsExactly("2025-01-01T10:05Z", "2025-01-01T10:10Z", "2025-01-01T10:15Z");
    }

    @Test
    void givenAnOccurrenceTime_thenNextIsStrictlyAfterIt() {
        assertThat(next("0 0 9 * * *", "2025-01-01T09:00:00", UTC, 1)).containsExactly("2025-01-02T09:00Z");
    }

    @Test
    void givenRangesListsAndDayNames_thenWeekdayMorningsOnly() {
        // Friday 3 January 2025, then the weekend is skipped.
        assertThat(next("0 30 9,17 * * MON-FRI", "2025-01-03T10:00:00", UTC, 3))
                .containsExactly("2025-01-03T17:30Z", "2025-01-06T09:30Z", "2025-01-06T17:30Z");
    }

    @Test
    void givenRangeWithStep_thenEverySecondHourInsideTheRange() {
        assertThat(next("0 0 8-14/2 * * *", "2025-01-01T00:00:00", UTC, 5))
                .containsExactly("2025-01-01T08:00Z", "2025-01-01T10:00Z", "2025-01-01T12:00Z", "2025-01-01T14:00Z", "2025-01-02T08:00Z");
    }

    @Test
    void givenValueWithStep_thenFromTheValueToTheFieldsEnd() {
        assertThat(next("0 45/5 10 * * *", "2025-01-01T00:00:00", UTC, 4))
                .containsExactly("2025-01-01T10:45Z", "2025-01-01T10:50Z", "2025-01-01T10:55Z", "2025-01-02T10:45Z");
    }

    @Test
    void givenMonthNamesCaseInsensitive_thenFirstOfThoseMonths() {
        assertThat(next("0 0 0 1 jan,Jul *", "2025-02-01T00:00:00", UTC, 2))
                .containsExactly("2025-07-01T00:00Z", "2026-01-01T00:00Z");
    }

    @Test
    void givenDayOfMonthAndDayOfWeek_thenBothMustMatchAsInNcrontab() {
        // Friday the 13th: June 2025, then February 2026.
        assertThat(next("0 0 12 13 * FRI", "2025-01-01T00:00:00", UTC, 2))
                .containsExactly("2025-06-13T12:00Z", "2026-02-13T12:00Z");
    }

    @Test
    void givenDay31_thenMonthsWithout31DaysAreSkipped() {
        assertThat(next("0 0 0 31 * *", "2025-01-31T00:00:00", UTC, 2))
                .containsExactly("2025-03-31T00:00Z", "2025-05-31T00:00Z");
    }

    @Test
    void givenSundayAsZero_thenSunday() {
        assertThat(next("0 0 6 * * 0", "2025-01-01T00:00:00", UTC, 1)).containsExactly("2025-01-05T06:00Z");
    }

    @Test
    void givenATimeZone_thenTheWallClockTimeThere() {
        // 09:00 in Berlin is 08:00 UTC in winter, 07:00 UTC in summer.
        NcrontabSchedule s = NcrontabSchedule.parse("0 0 9 * * *");
        assertThat(s.next(Instant.parse("2025-01-10T00:00:00Z"), BERLIN)).contains(Instant.parse("2025-01-10T08:00:00Z"));
        assertThat(s.next(Instant.parse("2025-07-10T00:00:00Z"), BERLIN)).contains(Instant.parse("2025-07-10T07:00:00Z"));
    }

    @Test
    void givenSpringForwardGap_thenAMissingWallTimeFiresOnceWhenTheClocksJump() {
        // New York, 9 March 2025: 02:00 -> 03:00. A daily 02:30 job fires at 03:00 EDT that day.
        assertThat(next("0 30 2 * * *", "2025-03-08T12:00:00", NEW_YORK, 3))
                .containsExactly("2025-03-09T03:00-04:00", "2025-03-10T02:30-04:00", "2025-03-11T02:30-04:00");
    }

    @Test
    void givenSpringForwardGapWithSeveralMissingTimes_thenTheyFireOnceTogether() {
        assertThat(next("0 0,30 * * * *", "2025-03-09T01:15:00", NEW_YORK, 4))
                .containsExactly("2025-03-09T01:30-05:00", "2025-03-09T03:00-04:00", "2025-03-09T03:30-04:00", "2025-03-09T04:00-04:00");
    }

    @Test
    void givenFallBackOverlap_thenTheRepeatedWallTimeFiresOnceAtItsFirstOccurrence() {
        // New York, 2 November 2025: 02:00 EDT -> 01:00 EST. The 01:30 job runs at 01:30 EDT only.
        assertThat(next("0 30 1 * * *", "2025-11-01T12:00:00", NEW_YORK, 2))
                .containsExactly("2025-11-02T01:30-04:00", "2025-11-03T01:30-05:00");
        assertThat(next("0 0 * * * *", "2025-11-02T00:30:00", NEW_YORK, 3))
                .containsExactly("2025-11-02T01:00-04:00", "2025-11-02T02:00-05:00", "2025-11-02T03:00-05:00");
    }

    @Test
    void givenAnInstantInsideTheRepeatedHour_thenNothingFiresTwice() {
        NcrontabSchedule s = NcrontabSchedule.parse("0 45 1 * * *");
        // 01:30 EST is after 01:45 EDT already happened: the next is the following day.
        Instant secondPass = ZonedDateTime.of(LocalDateTime.parse("2025-11-02T01:30:00"), NEW_YORK).withLaterOffsetAtOverlap().toInstant();
        assertThat(s.next(secondPass, NEW_YORK).map(i -> ZonedDateTime.ofInstant(i, NEW_YORK).toOffsetDateTime().toString()))
                .contains("2025-11-03T01:45-05:00");
    }

    @Test
    void givenAWindow_thenLatestReturnsTheLastOccurrenceInIt() {
        NcrontabSchedule s = NcrontabSchedule.parse("0 0 9 * * *");
        assertThat(s.latest(Instant.parse("2025-01-01T00:00:00Z"), Instant.parse("2025-01-05T12:00:00Z"), UTC))
                .contains(Instant.parse("2025-01-05T09:00:00Z"));
        assertThat(s.latest(Instant.parse("2025-01-05T09:00:00Z"), Instant.parse("2025-01-05T12:00:00Z"), UTC)).isEmpty();
        NcrontabSchedule everySecond = NcrontabSchedule.parse("* * * * * *");
        assertThat(everySecond.latest(Instant.parse("2000-01-01T00:00:00Z"), Instant.parse("2025-01-05T12:00:00Z"), UTC))
                .contains(Instant.parse("2025-01-05T12:00:00Z"));
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', quoteCharacter = '"', value = {
            "0 9 * * *|has 5 field(s)",
            "0 0 9 * * * 2025|has 7 field(s)",
            "60 * * * * *|the second field '60' 60 is outside 0-59",
            "0 0 24 * * *|the hour field '24' 24 is outside 0-23",
            "0 0 0 0 * *|the day of month field '0' 0 is outside 1-31",
            "0 0 0 * 13 *|the month field '13' 13 is outside 1-12",
            "0 0 0 * * 7|the day of week field '7' 7 is outside 0-6 (Sunday is 0)",
            "0 0 0 * * FUN|'FUN' is not a name",
            "0 */0 * * * *|steps start at 1",
            "0 30-10 * * * *|runs backwards",
            "0 1,,2 * * * *|empty list item",
            "0 0 0 30 FEB *|never fires",
            "0 0 0 ? * *|'?' is not a number",
            "x * * * * *|'x' is not a number"})
    void givenAnInvalidExpression_thenTheErrorNamesTheFieldAndReason(String expression, String message) {
        assertThatThrownBy(() -> NcrontabSchedule.parse(expression))
                .isInstanceOf(InvalidScheduleException.class)
                .hasMessageContaining(message);
    }
}
