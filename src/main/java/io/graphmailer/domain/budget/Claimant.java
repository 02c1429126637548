package io.graphmailer.domain.budget;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.HexFormat;
import java.util.UUID;

/**
 * Who asks the budget for a send, so that a wait for the messages-per-minute limit can hold a place in line (a
 * ticket, see {@link BudgetWindow}). {@code id} is stable for one message: the queue uses the message's idempotency
 * key, so a redelivery presents the same ticket; an HTTP request uses one of its own. A ticket is taken only when its
 * time is at most {@code ticketWithin} away: the queue takes any ticket, an HTTP request only one it will wait for.
 */
public record Claimant(String id, Duration ticketWithin) {
    /** Takes no ticket: waits are answered as before tickets, and nothing is held for the claimant. */
    public static final Duration NO_TICKET = Duration.ofMillis(-1);
    private static final Duration ANY = Duration.ofDays(36_500);

    public Claimant {
        if (id == null || id.isEmpty()) {
            throw new IllegalArgumentException("a claimant has an id");
        }
    }

    /** A queued message: takes any ticket and comes back at its time. */
    public static Claimant queued(String idempotencyKey) {
        return new Claimant(idempotencyKey, ANY);
    }

    /** A caller that waits at most {@code wait}: a ticket further away is not taken (nothing is held). */
    public static Claimant waitingAtMost(String id, Duration wait) {
        return new Claimant(id, wait);
    }

    /** One send that holds no place in line (tests, probes, the callers that never come back with the same id). */
    public static Claimant once() {
        return new Claimant(UUID.randomUUID().toString(), NO_TICKET);
    }

    boolean takesTicket(long waitMs) {
        return !ticketWithin.isNegative() && waitMs <= ticketWithin.toMillis();
    }

    /** The id as stored in the window: 16 hex digits of its SHA-256 (ids may be long and hold any character). */
    String key() {
        try {
            byte[] d = MessageDigest.getInstance("SHA-256").digest(id.getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(d, 0, 8);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
