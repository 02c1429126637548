package io.graphmailer.application.port.out;

import java.time.Instant;

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

    /**
     * The message again, noting that it has waited for a sign-in of its mailbox since {@code since}: the note travels with
     * the message on the queue, so every worker measures the same wait. A writer without bookkeeping forgets it.
     */
    default String waitingForSignIn(String original, String idempotencyKey, int attempt, Instant since) {
        return nextAttempt(original, idempotencyKey, attempt);
    }
}
