package io.graphmailer.domain.delivery;

/**
 * Where a message stands in its delivery log. {@code VERIFIED_SENT}: an attempt with an unknown outcome was found in the
 * mailbox's Sent Items; {@code BOUNCED}: a non-delivery report answered it; {@code REPLAYED}: an operator put a
 * dead-lettered or parked message back on the queue.
 */
public enum DeliveryState {
    ACCEPTED, WAITING, SENDING, SENT, RETRYING, DEAD_LETTERED, PARKED, VERIFIED_SENT, REPLAYED, BOUNCED, FAILED;

    /** A state after which the message is not sent again unless an operator replays it. */
    public boolean settled() {
        return this == SENT || this == VERIFIED_SENT || this == BOUNCED || this == FAILED;
    }
}
