package io.graphmailer.domain.job;

import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * What one tick does with one job: runs the latest missed occurrence once ({@code catchUp}) or skips it ({@code skipped},
 * with the reason), then runs the on-time occurrences in order. At most one of catchUp and skipped is present.
 */
public record DueOccurrences(List<Instant> onTime, Optional<Instant> catchUp, Optional<Skipped> skipped) {
    public DueOccurrences {
        onTime = List.copyOf(onTime);
    }

    /** The latest missed occurrence (any before it are dropped too) and why it is not run. */
    public record Skipped(Instant occurrence, String reason) {
    }
}
