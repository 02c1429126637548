package io.graphmailer.application.port.in;

import java.time.Instant;
import java.util.List;

/** The timer's use case: run every job occurrence that fell due since the last tick. */
public interface RunScheduledJobsUseCase {

    /**
     * @param now      when the tick runs
     * @param lastRun  when the previous tick ran (the host's {@code ScheduleStatus.Last}), or null when unknown
     * @param pastDue  the host's {@code IsPastDue}: the tick itself is late (reported, not needed for the decision)
     */
    record Tick(Instant now, Instant lastRun, boolean pastDue) {
    }

    enum Outcome { ENQUEUED, CAUGHT_UP, SKIPPED_PAST_DUE, FAILED }

    /** What happened to one occurrence of one job. */
    record OccurrenceOutcome(String jobId, Instant occurrence, Outcome outcome, int messages, String detail) {
    }

    record Report(Instant from, Instant to, List<OccurrenceOutcome> occurrences) {
        public boolean anyFailed() {
            return occurrences.stream().anyMatch(o -> o.outcome() == Outcome.FAILED);
        }
    }

    Report runDue(Tick tick);
}
