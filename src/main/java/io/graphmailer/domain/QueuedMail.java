package io.graphmailer.domain;

/**
 * One outbox queue message, parsed: the command, the key that makes its send happen once, and how
 * often graph-mailer has already re-enqueued it after a transient failure.
 *
 * @param original the message text exactly as it arrived, kept intact for dead-letter and poison queues
 */
public record QueuedMail(SendMailCommand command, String idempotencyKey, int attempt, String original) {
    public QueuedMail {
        if (idempotencyKey == null || idempotencyKey.isBlank()) {
            throw new IllegalArgumentException("an idempotency key is required");
        }
    }
}
