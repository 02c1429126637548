package io.graphmailer.domain;

import io.graphmailer.domain.delivery.Origin;

/**
 * One outbox queue message, parsed: the command, the key that makes its send happen once, and how
 * often graph-mailer has already re-enqueued it after a transient failure.
 *
 * @param original the message text exactly as it arrived, kept intact for dead-letter and poison queues
 * @param origin   the trigger and caller app the envelope names (HTTP respond-async, a job), else an outside producer's
 * @param waitingFor the budget limit it waited for when graph-mailer last put it back on the queue, or null: a wait
 *                   for the same limit again is not written down again (the ledger and the delivery log have it)
 * @param signInWaitSince when the message first waited for a sign-in of its (delegated) mailbox, or null: carried on the
 *                 queue with the message, so the wait is measured fleet-wide and across restarts
 */
public record QueuedMail(SendMailCommand command, String idempotencyKey, int attempt, String original, Origin origin,
                         String waitingFor, java.time.Instant signInWaitSince) {
    public QueuedMail {
        if (idempotencyKey == null || idempotencyKey.isBlank()) {
            throw new IllegalArgumentException("an idempotency key is required");
        }
        origin = origin == null ? Origin.queue(idempotencyKey) : origin.withIdempotencyKey(idempotencyKey);
    }

    public QueuedMail(SendMailCommand command, String idempotencyKey, int attempt, String original, Origin origin) {
        this(command, idempotencyKey, attempt, original, origin, null, null);
    }

    /** An outside producer's message (trigger QUEUE). */
    public QueuedMail(SendMailCommand command, String idempotencyKey, int attempt, String original) {
        this(command, idempotencyKey, attempt, original, null);
    }
}
