package io.graphmailer.application.port.out;

import io.graphmailer.domain.LedgerEntry;

/** Durable record of send attempts and outcomes, keyed by idempotency key. */
public interface SendLedger {

    /**
     * Records a first attempt for a new key in one write. When the key is already known nothing is
     * written and the entry found is returned instead: exactly one of the two is set.
     */
    record Start(LedgerEntry attempt, LedgerEntry existing) {
    }

    Start start(String key, String trackingId);

    /**
     * Records another attempt for a known key. Fails with {@link ConcurrentAttemptException} when another
     * worker changed the entry since {@code previous} was read.
     */
    LedgerEntry recordAttempt(LedgerEntry previous);

    /** Records the outcome after the call. */
    void recordOutcome(LedgerEntry entry);

    class ConcurrentAttemptException extends RuntimeException {
        public ConcurrentAttemptException(String key) {
            super("another worker is sending " + key);
        }
    }
}
