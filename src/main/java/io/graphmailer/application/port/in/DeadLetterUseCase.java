package io.graphmailer.application.port.in;

import io.graphmailer.domain.deadletter.DeadLetterEntry;
import io.graphmailer.domain.deadletter.DeadLetterFilter;
import io.graphmailer.domain.deadletter.DeadLetterPage;
import io.graphmailer.domain.deadletter.DeadLetterReport;

import java.util.Optional;
import java.util.Set;

/** Operators' work on dead-lettered and poisoned mail: look, send again (replay) or throw away (purge). */
public interface DeadLetterUseCase {

    /** Which entries an action is for: these ids, or every entry the filter matches. */
    record Selection(Set<String> ids, DeadLetterFilter filter) {
        public Selection {
            ids = Set.copyOf(ids);
        }

        public static Selection byId(String id) {
            return new Selection(Set.of(id), DeadLetterFilter.ALL);
        }

        public static Selection byFilter(DeadLetterFilter filter) {
            return new Selection(Set.of(), filter);
        }
    }

    DeadLetterPage list(DeadLetterFilter filter, int offset, int limit);

    Optional<DeadLetterEntry> show(String id);

    /**
     * Re-enqueues each selected entry's original envelope (with its idempotency key, so the send ledger still stops a
     * second send of mail that did go out) and removes the entry; the delivery log records who replayed it.
     */
    DeadLetterReport replay(Selection selection, String who, boolean dryRun);

    DeadLetterReport purge(Selection selection, boolean dryRun);
}
