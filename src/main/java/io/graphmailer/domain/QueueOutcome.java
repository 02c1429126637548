package io.graphmailer.domain;

import java.time.Duration;

/**
 * What became of a queue message; every outcome leaves the message sent once or kept. {@code waitingFor} names the
 * budget limit (its setting name) a {@link Kind#DEFERRED} message waits for, or is null.
 */
public record QueueOutcome(Kind kind, String detail, Duration delay, String waitingFor) {
    public enum Kind {
        SENT,
        /** Redelivered, but the ledger shows it was sent: acknowledged without sending. */
        ALREADY_SENT,
        /** Re-enqueued with a visibility delay (throttling, transient fault). */
        REQUEUED,
        /** A permanent fault: kept in the dead-letter queue with the reason. */
        DEAD_LETTERED,
        /** Transient faults exhausted the configured attempts: kept in the poison queue with the reason. */
        POISONED,
        /** Outcome of an earlier attempt unknown and policy is park: kept for manual review. */
        PARKED,
        /**
         * Another worker holds the claim (its lease has not run out), or an unknown outcome waits for the settle time:
         * put back on the queue, invisible until then, not counted as an attempt.
         */
        DEFERRED,
        /** An earlier attempt's outcome was unknown; the message was found in the mailbox's Sent Items: not sent again. */
        VERIFIED_SENT
    }

    public QueueOutcome(Kind kind, String detail, Duration delay) {
        this(kind, detail, delay, null);
    }

    public static QueueOutcome of(Kind kind, String detail) {
        return new QueueOutcome(kind, detail, null);
    }

    /** Back on the queue until {@code limit}'s budget frees. */
    public static QueueOutcome waitingForBudget(String limit, String detail, Duration delay) {
        return new QueueOutcome(Kind.DEFERRED, detail, delay, limit);
    }
}
