package io.graphmailer.domain;

import java.time.Instant;

/**
 * What the send ledger knows of one idempotency key. {@code ATTEMPTING} written before the call and
 * still there on redelivery means the outcome is unknown (the process died or timed out mid-send).
 */
public record LedgerEntry(String key, State state, String trackingId, int sendAttempts, Instant updatedAt, String detail, String etag) {
    public enum State { ATTEMPTING, SENT, RETRY_SCHEDULED, FAILED, PARKED }

    public LedgerEntry with(State newState, String newDetail, Instant now) {
        return new LedgerEntry(key, newState, trackingId, sendAttempts, now, newDetail, etag);
    }
}
