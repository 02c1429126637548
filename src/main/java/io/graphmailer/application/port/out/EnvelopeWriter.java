package io.graphmailer.application.port.out;

/** Rewrites a queue message for its next attempt (same mail, same key, attempt + 1). */
public interface EnvelopeWriter {
    String nextAttempt(String original, String idempotencyKey, int attempt);

    /**
     * As {@link #nextAttempt}, the message waiting for the mailbox budget's {@code limit} (read back as
     * {@code QueuedMail.waitingFor}). A format that cannot note it writes the next attempt: each wait is then written down.
     */
    default String waitingFor(String original, String idempotencyKey, int attempt, String limit) {
        return nextAttempt(original, idempotencyKey, attempt);
    }
}
