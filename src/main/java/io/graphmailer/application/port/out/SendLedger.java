package io.graphmailer.application.port.out;

import io.graphmailer.domain.LedgerEntry;

import java.util.Optional;

/** Durable record of send attempts and outcomes, keyed by idempotency key. */
public interface SendLedger {

    Optional<LedgerEntry> find(String key);

    /**
     * Records an attempt before the call. Fails with {@link ConcurrentAttemptException} when another
     * worker changed the entry since {@code previous} was read.
     */
    LedgerEntry recordAttempt(String key, String trackingId, LedgerEntry previous);

    /** Records the outcome after the call. */
    void recordOutcome(LedgerEntry entry);

    class ConcurrentAttemptException extends RuntimeException {
        public ConcurrentAttemptException(String key) {
            super("another worker is sending " + key);
        }
    }
}
