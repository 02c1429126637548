package io.graphmailer.domain.deadletter;

import java.util.List;

/**
 * What a replay or purge did. {@code matched}: entries the selection named; {@code done}: replayed (or purged);
 * {@code skipped}: taken by another operator in the meantime (not touched here); {@code failed}: put back unchanged
 * after an error. In a dry run nothing is changed and {@code done} counts what would have been.
 */
public record DeadLetterReport(boolean dryRun, int matched, int done, int skipped, int failed, List<String> ids, boolean complete) {
    public DeadLetterReport {
        ids = List.copyOf(ids);
    }
}
