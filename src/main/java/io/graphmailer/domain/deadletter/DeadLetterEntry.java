package io.graphmailer.domain.deadletter;

import java.time.Duration;
import java.time.Instant;
import java.util.Objects;

/**
 * One message kept aside: on the dead-letter queue (graph-mailer parked it, with a code and a reason) or on the poison
 * queue (graph-mailer gave up after its attempts, or the Functions host moved it after its dequeue count, without a
 * reason). {@code original} is the producer's envelope as it was enqueued; {@code raw} is the queue message's text, kept
 * so an entry can be put back exactly. {@code mailbox}, {@code idempotencyKey} and {@code trackingId} are null when the
 * envelope does not say them (not JSON, no mailbox).
 */
public record DeadLetterEntry(String id, Kept queue, String code, String reason, Instant keptAt, String original, String raw,
                              String mailbox, String idempotencyKey, String trackingId, long dequeueCount) {

    /** Which side queue holds it. */
    public enum Kept {
        DEAD_LETTER("deadletter"), POISON("poison");

        private final String wireName;

        Kept(String wireName) {
            this.wireName = wireName;
        }

        public String wireName() {
            return wireName;
        }

        public static Kept fromWire(String name) {
            for (Kept k : values()) {
                if (k.wireName.equalsIgnoreCase(name)) {
                    return k;
                }
            }
            throw new IllegalArgumentException("queue must be deadletter or poison, not '" + name + "'");
        }
    }

    public DeadLetterEntry {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(queue, "queue");
        Objects.requireNonNull(keptAt, "keptAt");
        code = code == null ? "" : code;
        reason = reason == null ? "" : reason;
    }

    public Duration age(Instant now) {
        Duration d = Duration.between(keptAt, now);
        return d.isNegative() ? Duration.ZERO : d;
    }
}
