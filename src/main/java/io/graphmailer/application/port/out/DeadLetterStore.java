package io.graphmailer.application.port.out;

import io.graphmailer.domain.deadletter.DeadLetterEntry;

import java.time.Duration;
import java.util.List;

/**
 * The dead-letter and poison queues, as an operator works on them. Reading takes entries for a while (a claim): no
 * other operator sees a claimed entry until it is released or its claim runs out, and only the holder of the latest
 * claim can remove it. This is what makes a replay happen at most once with two operators at work.
 */
public interface DeadLetterStore {

    /** An entry taken for {@code lease}; {@code receipt} proves the claim to {@link #remove} and {@link #release}. */
    record Claim(DeadLetterEntry entry, String receipt) {
    }

    /**
     * Claims up to {@code max} entries of both queues for {@code lease} (each entry once, in no particular order).
     * Fewer than {@code max} means the queues had no more visible entries.
     */
    List<Claim> claim(int max, Duration lease);

    /** Deletes a claimed entry; false when the claim is no longer the latest (another operator took it after it ran out). */
    boolean remove(Claim claim);

    /** Makes a claimed entry visible again at once; a stale claim is ignored. */
    void release(Claim claim);

    /** Puts an entry back unchanged (after a replay whose enqueue failed), on the queue it came from. */
    void restore(DeadLetterEntry entry);
}
