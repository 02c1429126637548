package io.graphmailer.application.port.out;

import io.graphmailer.domain.LedgerEntry;

import java.time.Instant;

/** Durable record of send attempts and outcomes, keyed by idempotency key. */
public interface SendLedger {

    /**
     * Claims a first attempt for a new key in one conditional write (insert). When the key is already known nothing is
     * written and the entry found is returned instead: exactly one of the two is set. Of two workers starting the same
     * key at once, exactly one gets the attempt.
     */
    record Start(LedgerEntry attempt, LedgerEntry existing) {
    }

    Start start(String key, String trackingId, Instant leaseUntil);

    /**
     * Claims another attempt for a known key, conditional on the entry being unchanged since {@code previous} was read
     * (ETag). Fails with {@link ConcurrentAttemptException} when another worker changed it in between, so of two
     * workers only one can win the claim.
     */
    LedgerEntry recordAttempt(LedgerEntry previous, Instant leaseUntil);

    /**
     * Extends the lease of the claim {@code current} (same attempt), conditional on the entry being unchanged since it was
     * written (ETag): a send that outlasts one lease (a large draft upload) keeps its claim. Fails with
     * {@link ConcurrentAttemptException} when the entry changed meanwhile (the outcome was recorded, or another worker
     * claimed it after the lease ran out).
     */
    LedgerEntry renewLease(LedgerEntry current, Instant leaseUntil);

    /** Records the outcome after the call. */
    void recordOutcome(LedgerEntry entry);

    /**
     * Records that {@code key} waits on the queue for its mailbox's budget ({@code reason} names the limit), without
     * consuming an attempt or touching a claim: a key not yet known gets a {@link LedgerEntry.State#WAITING} entry
     * (0 attempts); a known key keeps its state and attempts and gets the reason beside them; a sent one is left alone.
     * Advisory: a write that loses a race is dropped.
     */
    default void recordWaiting(String key, String trackingId, String mailbox, String limit, String reason) {
    }

    /**
     * Records a successful send like {@link #recordOutcome}, with its mailbox and recipient count, so the mailbox's
     * 24-hour recipient count can be rebuilt from the ledger.
     */
    default void recordSent(LedgerEntry sent, String mailbox, int recipients) {
        recordOutcome(sent);
    }

    class ConcurrentAttemptException extends RuntimeException {
        public ConcurrentAttemptException(String key) {
            super("another worker is sending " + key);
        }
    }
}
