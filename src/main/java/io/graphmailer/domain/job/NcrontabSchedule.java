package io.graphmailer.domain.job;

import java.time.DayOfWeek;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.LocalTime;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.time.zone.ZoneOffsetTransition;
import java.time.zone.ZoneRules;
import java.util.BitSet;
import java.util.Locale;
import java.util.Optional;

/**
 * A schedule in the Azure Functions timer's six-field NCRONTAB form:
 * {@code {second} {minute} {hour} {day} {month} {day-of-week}}. Each field takes {@code *}, a value,
 * a range {@code a-b}, a step {@code *}{@code /n}, {@code a-b/n} or {@code a/n} (from a to the field's
 * end), and comma-separated lists of these. Months take JAN-DEC, days of week SUN-SAT (0-6, Sunday 0);
 * names are case-insensitive. As in NCRONTAB, an occurrence must match both the day of month and
 * the day of week.
 *
 * <p>Occurrences are wall-clock times in a time zone. Across a daylight-saving change:
 * a wall time that does not exist (clocks jump forward) fires once, at the first instant after the
 * jump; a wall time that exists twice (clocks fall back) fires once, at its first occurrence.
 */
public final class NcrontabSchedule {
    private static final String[] MONTHS = {"JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"};
    private static final String[] DAYS = {"SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"};
    private static final String[] FULL_MONTHS = {"JANUARY", "FEBRUARY", "MARCH", "APRIL", "MAY", "JUNE", "JULY", "AUGUST",
            "SEPTEMBER", "OCTOBER", "NOVEMBER", "DECEMBER"};
    private static final String[] FULL_DAYS = {"SUNDAY", "MONDAY", "TUESDAY", "WEDNESDAY", "THURSDAY", "FRIDAY", "SATURDAY"};
    /** Long enough for any satisfiable schedule (a 29 February on a given weekday recurs within 28 years). */
    private static final int SEARCH_YEARS = 30;

    private final String expression;
    private final BitSet seconds;
    private final BitSet minutes;
    private final BitSet hours;
    private final BitSet days;
    private final BitSet months;
    private final BitSet daysOfWeek;

    private NcrontabSchedule(String expression, BitSet[] fields) {
        this.expression = expression;
        this.seconds = fields[0];
        this.minutes = fields[1];
        this.hours = fields[2];
        this.days = fields[3];
        this.months = fields[4];
        this.daysOfWeek = fields[5];
    }

    /** Thrown for an expression that is not six valid NCRONTAB fields; the message says which field and why. */
    public static final class InvalidScheduleException extends IllegalArgumentException {
        public InvalidScheduleException(String message) {
            super(message);
        }
    }

    private enum Field {
        SECOND("second", 0, 59, null, null), MINUTE("minute", 0, 59, null, null), HOUR("hour", 0, 23, null, null),
        DAY("day of month", 1, 31, null, null), MONTH("month", 1, 12, MONTHS, FULL_MONTHS),
        DAY_OF_WEEK("day of week", 0, 6, DAYS, FULL_DAYS);

        final String label;
        final int min;
        final int max;
        final String[] names;
        final String[] fullNames;

        Field(String label, int min, int max, String[] names, String[] fullNames) {
            this.label = label;
            this.min = min;
            this.max = max;
            this.names = names;
            this.fullNames = fullNames;
        }
    }

    public static NcrontabSchedule parse(String expression) {
        if (expression == null || expression.isBlank()) {
            throw new InvalidScheduleException("the schedule is empty; expected six fields: {second} {minute} {hour} {day} {month} {day-of-week}");
        }
        String[] parts = expression.trim().split("\\s+");
        if (parts.length != 6) {
            throw new InvalidScheduleException("'" + expression + "' has " + parts.length + " field(s); the Functions timer's NCRONTAB form has six,"
                    + " seconds first: {second} {minute} {hour} {day} {month} {day-of-week}, e.g. '0 30 9 * * MON-FRI'");
        }
        Field[] kinds = Field.values();
        BitSet[] fields = new BitSet[6];
        for (int i = 0; i < 6; i++) {
            fields[i] = parseField(kinds[i], parts[i]);
        }
        NcrontabSchedule schedule = new NcrontabSchedule(String.join(" ", parts), fields);
        if (schedule.nextLocal(LocalDateTime.of(2000, 1, 1, 0, 0), LocalDateTime.of(2000 + SEARCH_YEARS, 1, 1, 0, 0)).isEmpty()) {
            throw new InvalidScheduleException("'" + expression + "' never fires (no date matches its day, month and day of week)");
        }
        return schedule;
    }

    private static BitSet parseField(Field f, String text) {
        BitSet bits = new BitSet(f.max + 1);
        for (String item : text.split(",", -1)) {
            if (item.isEmpty()) {
                throw invalid(f, text, "has an empty list item");
            }
            int step = 1;
            String range = item;
            int slash = item.indexOf('/');
            if (slash >= 0) {
                range = item.substring(0, slash);
                step = number(f, text, item.substring(slash + 1));
                if (step < 1) {
                    throw invalid(f, text, "has a step of " + step + "; steps start at 1");
                }
            }
            int from;
            int to;
            if (range.equals("*")) {
                from = f.min;
                to = f.max;
            } else {
                int dash = range.indexOf('-', 1);
                if (dash > 0) {
                    from = value(f, text, range.substring(0, dash));
                    to = value(f, text, range.substring(dash + 1));
                    if (from > to) {
                        throw invalid(f, text, "has the range " + range + " that runs backwards");
                    }
                } else {
                    from = value(f, text, range);
                    to = slash >= 0 ? f.max : from;
                }
            }
            for (int v = from; v <= to; v += step) {
                bits.set(v);
            }
        }
        return bits;
    }

    private static int value(Field f, String text, String token) {
        if (!token.isEmpty() && Character.isLetter(token.charAt(0))) {
            if (f.names == null) {
                throw invalid(f, text, "'" + token + "' is not a number from " + f.min + " to " + f.max);
            }
            String upper = token.toUpperCase(Locale.ROOT);
            for (int i = 0; i < f.names.length; i++) {
                if (upper.equals(f.names[i]) || upper.equals(f.fullNames[i])) {
                    return i + f.min;
                }
            }
            throw invalid(f, text, "'" + token + "' is not a name; use " + String.join(", ", f.names));
        }
        int v = number(f, text, token);
        if (v < f.min || v > f.max) {
            throw invalid(f, text, v + " is outside " + f.min + "-" + f.max + (f == Field.DAY_OF_WEEK ? " (Sunday is 0)" : ""));
        }
        return v;
    }

    private static int number(Field f, String text, String token) {
        if (token.isEmpty() || token.length() > 4 || !token.chars().allMatch(c -> c >= '0' && c <= '9')) {
            throw invalid(f, text, "'" + token + "' is not a number");
        }
        return Integer.parseInt(token);
    }

    private static InvalidScheduleException invalid(Field f, String text, String why) {
        return new InvalidScheduleException("the " + f.label + " field '" + text + "' " + why);
    }

    /** The expression as given (fields separated by single spaces). */
    public String expression() {
        return expression;
    }

    /** The first occurrence strictly after {@code after}, in {@code zone}; empty if none within 30 years. */
    public Optional<Instant> next(Instant after, ZoneId zone) {
        ZoneRules rules = zone.getRules();
        LocalDateTime local = LocalDateTime.ofInstant(after, zone);
        LocalDateTime limit = local.plusYears(SEARCH_YEARS);
        while (true) {
            Optional<LocalDateTime> candidate = nextLocal(local, limit);
            if (candidate.isEmpty()) {
                return Optional.empty();
            }
            Instant instant = toInstant(candidate.get(), rules);
            if (instant.isAfter(after)) {
                return Optional.of(instant);
            }
            // A wall time already passed in the repeated hour, or one more missing time mapped to the same jump.
            local = candidate.get();
        }
    }

    /** The latest occurrence in {@code (fromExclusive, toInclusive]}, if any. */
    public Optional<Instant> latest(Instant fromExclusive, Instant toInclusive, ZoneId zone) {
        // Look back in growing windows, so a schedule that fires every second does not walk years of occurrences.
        long[] lookBackSeconds = {60, 3_600, 86_400, 32L * 86_400, 366L * 86_400, 5L * 366 * 86_400, (long) SEARCH_YEARS * 366 * 86_400};
        for (long back : lookBackSeconds) {
            Instant start = toInclusive.minusSeconds(back);
            boolean last = !start.isAfter(fromExclusive);
            if (last) {
                start = fromExclusive;
            }
            Instant found = null;
            for (Optional<Instant> o = next(start, zone); o.isPresent() && !o.get().isAfter(toInclusive); o = next(o.get(), zone)) {
                found = o.get();
            }
            if (found != null) {
                return Optional.of(found);
            }
            if (last) {
                return Optional.empty();
            }
        }
        return Optional.empty();
    }

    private static Instant toInstant(LocalDateTime wall, ZoneRules rules) {
        var offsets = rules.getValidOffsets(wall);
        if (offsets.isEmpty()) {
            // In the gap of a forward jump: the first instant after it.
            ZoneOffsetTransition gap = rules.getTransition(wall);
            return gap.getInstant();
        }
        // Valid once, or twice in an overlap: the earlier of the two offsets is the larger one.
        ZoneOffset offset = offsets.size() == 1 ? offsets.get(0)
                : offsets.get(0).getTotalSeconds() > offsets.get(1).getTotalSeconds() ? offsets.get(0) : offsets.get(1);
        return wall.toInstant(offset);
    }

    /** The first matching wall time strictly after {@code after} and before {@code limit}. */
    Optional<LocalDateTime> nextLocal(LocalDateTime after, LocalDateTime limit) {
        LocalDateTime t = after.withNano(0).plusSeconds(1);
        LocalDate date = t.toLocalDate();
        LocalTime time = t.toLocalTime();
        while (date.atStartOfDay().isBefore(limit)) {
            if (!months.get(date.getMonthValue())) {
                date = date.withDayOfMonth(1).plusMonths(1);
                time = LocalTime.MIDNIGHT;
                continue;
            }
            if (!days.get(date.getDayOfMonth()) || !daysOfWeek.get(dayOfWeek(date.getDayOfWeek()))) {
                date = date.plusDays(1);
                time = LocalTime.MIDNIGHT;
                continue;
            }
            LocalTime match = timeOnOrAfter(time);
            if (match != null) {
                LocalDateTime result = date.atTime(match);
                return result.isBefore(limit) ? Optional.of(result) : Optional.empty();
            }
            date = date.plusDays(1);
            time = LocalTime.MIDNIGHT;
        }
        return Optional.empty();
    }

    private LocalTime timeOnOrAfter(LocalTime time) {
        for (int h = hours.nextSetBit(time.getHour()); h >= 0; h = hours.nextSetBit(h + 1)) {
            int minuteFrom = h == time.getHour() ? time.getMinute() : 0;
            for (int m = minutes.nextSetBit(minuteFrom); m >= 0; m = minutes.nextSetBit(m + 1)) {
                int secondFrom = h == time.getHour() && m == time.getMinute() ? time.getSecond() : 0;
                int s = seconds.nextSetBit(secondFrom);
                if (s >= 0) {
                    return LocalTime.of(h, m, s);
                }
            }
        }
        return null;
    }

    private static int dayOfWeek(DayOfWeek d) {
        return d.getValue() % 7; // Sunday 0
    }

    @Override
    public String toString() {
        return expression;
    }
}
