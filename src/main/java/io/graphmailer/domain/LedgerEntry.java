package io.graphmailer.domain;

import java.time.Instant;

/**
 * What the send ledger knows of one idempotency key. {@code ATTEMPTING} is a claim: one worker is sending until
 * {@code leaseUntil}. A claim whose lease ran out without an outcome means the outcome is unknown (the worker died, or
 * the call timed out after the request went out); a claim still within its lease is in progress elsewhere.
 *
 * @param leaseUntil until when the claiming worker may still be sending; null for entries written before leases
 *                   existed (treated as ran out)
 */
public record LedgerEntry(String key, State state, String trackingId, int sendAttempts, Instant updatedAt, String detail, String etag,
                          Instant leaseUntil) {
    /**
     * {@code WAITING}: known, never attempted yet, waiting on the queue for the mailbox's budget ({@code detail} says
     * which limit); it claims nothing, so the next delivery starts attempt 1 from it.
     */
    public enum State { ATTEMPTING, SENT, RETRY_SCHEDULED, FAILED, PARKED, WAITING }

    public LedgerEntry(String key, State state, String trackingId, int sendAttempts, Instant updatedAt, String detail, String etag) {
        this(key, state, trackingId, sendAttempts, updatedAt, detail, etag, null);
    }

    public LedgerEntry with(State newState, String newDetail, Instant now) {
        return new LedgerEntry(key, newState, trackingId, sendAttempts, now, newDetail, etag, leaseUntil);
    }

    /** The same claim, its lease ended now: the attempt is over and its outcome unknown. */
    public LedgerEntry leaseEnded(String newDetail, Instant now) {
        return new LedgerEntry(key, State.ATTEMPTING, trackingId, sendAttempts, now, newDetail, etag, now);
    }

    /** A claim another worker holds: still within its lease at {@code now}. */
    public boolean inProgressAt(Instant now) {
        return state == State.ATTEMPTING && leaseUntil != null && now.isBefore(leaseUntil);
    }
}
