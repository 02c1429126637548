package io.graphmailer.application.port.out;

import java.time.Instant;

/** Rewrites a queue message for its next attempt (same mail, same key, attempt + 1). */
public interface EnvelopeWriter {
    String nextAttempt(String original, String idempotencyKey, int attempt);

    /**
     * The message again, noting that it has waited for a sign-in of its mailbox since {@code since}: the note travels with
     * the message on the queue, so every worker measures the same wait. A writer without bookkeeping forgets it.
     */
    default String waitingForSignIn(String original, String idempotencyKey, int attempt, Instant since) {
        return nextAttempt(original, idempotencyKey, attempt);
    }
}
