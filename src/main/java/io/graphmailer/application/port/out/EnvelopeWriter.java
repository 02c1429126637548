package io.graphmailer.application.port.out;

/** Rewrites a queue message for its next attempt (same mail, same key, attempt + 1). */
public interface EnvelopeWriter {
    String nextAttempt(String original, String idempotencyKey, int attempt);
}
