package io.graphmailer.domain.deadletter;

import java.time.Duration;
import java.time.Instant;
import java.util.Locale;
import java.util.Optional;

/**
 * Which kept messages an operator means: by queue, error code (exact, case-insensitive), mailbox (case-insensitive) and
 * age (kept longer ago than {@code olderThan}, more recently than {@code newerThan}). Empty parts match everything.
 */
public record DeadLetterFilter(Optional<DeadLetterEntry.Kept> queue, Optional<String> code, Optional<String> mailbox,
                               Optional<Duration> olderThan, Optional<Duration> newerThan) {
    public static final DeadLetterFilter ALL = new DeadLetterFilter(Optional.empty(), Optional.empty(), Optional.empty(),
            Optional.empty(), Optional.empty());

    public DeadLetterFilter {
        code = code.map(String::trim).filter(s -> !s.isEmpty());
        mailbox = mailbox.map(String::trim).filter(s -> !s.isEmpty());
    }

    /** Whether it names nothing, so that it matches every entry (replay and purge ask for {@code all} then). */
    public boolean matchesAll() {
        return queue.isEmpty() && code.isEmpty() && mailbox.isEmpty() && olderThan.isEmpty() && newerThan.isEmpty();
    }

    public boolean matches(DeadLetterEntry e, Instant now) {
        if (queue.isPresent() && e.queue() != queue.get()) {
            return false;
        }
        if (code.isPresent() && !code.get().equalsIgnoreCase(e.code())) {
            return false;
        }
        if (mailbox.isPresent() && (e.mailbox() == null
                || !mailbox.get().toLowerCase(Locale.ROOT).equals(e.mailbox().toLowerCase(Locale.ROOT)))) {
            return false;
        }
        Duration age = e.age(now);
        if (olderThan.isPresent() && age.compareTo(olderThan.get()) < 0) {
            return false;
        }
        return newerThan.isEmpty() || age.compareTo(newerThan.get()) < 0;
    }
}
