package io.graphmailer.domain.deadletter;

import java.util.List;

/**
 * One page of kept messages, oldest first. {@code total} counts every match of the scan; {@code nextOffset} is null on the
 * last page; {@code complete} is false when the scan stopped at its limit before reaching the end of the queues.
 */
public record DeadLetterPage(List<DeadLetterEntry> entries, int total, Integer nextOffset, boolean complete) {
    public DeadLetterPage {
        entries = List.copyOf(entries);
    }
}
