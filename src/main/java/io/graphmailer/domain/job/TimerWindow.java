package io.graphmailer.domain.job;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The time one timer tick answers for, {@code (from, to]}: from the previous tick (or a fixed look-back when the host
 * does not know it) to now. Occurrences from {@code onTimeFrom} on are on time; older ones were missed, and the job's
 * {@link PastDuePolicy} decides about the latest of them (never each of them).
 */
public record TimerWindow(Instant from, Instant onTimeFrom, Instant to) {

    /**
     * @param lastRun        the previous tick, or null when unknown (a last run not before {@code now} counts as unknown)
     * @param pastDueAfter   an occurrence older than this at the tick counts as missed
     * @param unknownLastRun how far back the tick looks when the last run is unknown
     */
    public static TimerWindow of(Instant now, Instant lastRun, Duration pastDueAfter, Duration unknownLastRun) {
        Instant from = lastRun != null && lastRun.isBefore(now) ? lastRun : now.minus(unknownLastRun);
        Instant onTimeCut = now.minus(pastDueAfter);
        return new TimerWindow(from, from.isAfter(onTimeCut) ? from : onTimeCut, now);
    }

    /** Which occurrences of {@code job} this tick runs, and which missed one it skips. */
    public DueOccurrences due(JobDefinition job) {
        List<Instant> onTime = new ArrayList<>();
        for (Optional<Instant> o = job.schedule().next(onTimeFrom, job.timeZone()); o.isPresent() && !o.get().isAfter(to);
             o = job.schedule().next(o.get(), job.timeZone())) {
            onTime.add(o.get());
        }
        Optional<Instant> missed = from.isBefore(onTimeFrom) ? job.schedule().latest(from, onTimeFrom, job.timeZone()) : Optional.empty();
        if (missed.isEmpty()) {
            return new DueOccurrences(onTime, Optional.empty(), Optional.empty());
        }
        if (job.pastDue() == PastDuePolicy.CATCH_UP && onTime.isEmpty()) {
            return new DueOccurrences(onTime, missed, Optional.empty());
        }
        String why = job.pastDue() == PastDuePolicy.SKIP ? "past-due policy skip" : "an on-time occurrence runs in the same tick";
        return new DueOccurrences(onTime, Optional.empty(), Optional.of(new DueOccurrences.Skipped(missed.get(), why)));
    }
}
