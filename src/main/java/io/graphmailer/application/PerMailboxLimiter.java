package io.graphmailer.application;

import io.graphmailer.domain.Mailbox;

import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Semaphore;
import java.util.function.Supplier;

/**
 * Graph allows about 4 concurrent requests per app and mailbox; more only earns 429s. This bounds
 * sends in flight per mailbox inside one instance (the fleet-wide bound comes from the instance count).
 */
public final class PerMailboxLimiter {
    private final int permits;
    private final ConcurrentHashMap<String, Semaphore> semaphores = new ConcurrentHashMap<>();

    public PerMailboxLimiter(int permits) {
        if (permits < 1) {
            throw new IllegalArgumentException("at least one send per mailbox must be allowed");
        }
        this.permits = permits;
    }

    public <T> T run(Mailbox mailbox, Supplier<T> send) {
        Semaphore semaphore = semaphores.computeIfAbsent(mailbox.key(), k -> new Semaphore(permits, true));
        semaphore.acquireUninterruptibly();
        try {
            return send.get();
        } finally {
            semaphore.release();
        }
    }
}
