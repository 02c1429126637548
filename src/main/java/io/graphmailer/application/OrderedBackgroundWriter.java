package io.graphmailer.application;

import java.time.Duration;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.logging.Logger;

/**
 * Runs best-effort writes one at a time, in the order they were handed in, on one daemon thread started on first use,
 * so the caller (an HTTP send) never waits for them. At most {@code capacity} are pending; beyond that a write is
 * dropped and counted (a warning at the first and every 1,000th), never blocking the caller.
 */
public final class OrderedBackgroundWriter {
    private static final Logger LOG = Logger.getLogger(OrderedBackgroundWriter.class.getName());

    private final String name;
    private final BlockingQueue<Runnable> pending;
    private final AtomicLong dropped = new AtomicLong();
    private volatile Thread thread;

    public OrderedBackgroundWriter(String name, int capacity) {
        this.name = name;
        this.pending = new LinkedBlockingQueue<>(capacity);
    }

    public void submit(Runnable write) {
        start();
        if (!pending.offer(write)) {
            long n = dropped.incrementAndGet();
            if (n == 1 || n % 1_000 == 0) {
                LOG.warning(() -> name + ": " + n + " write(s) dropped so far: more than " + (pending.size() + pending.remainingCapacity())
                        + " waiting (the store is slow or unreachable)");
            }
        }
    }

    /** Waits until everything handed in before this call has run, at most {@code max}; false when that ran out. */
    public boolean flush(Duration max) {
        if (thread == null) {
            return true;
        }
        CountDownLatch done = new CountDownLatch(1);
        if (!pending.offer(done::countDown)) {
            return false;
        }
        try {
            return done.await(max.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    public long dropped() {
        return dropped.get();
    }

    private void start() {
        if (thread != null) {
            return;
        }
        synchronized (this) {
            if (thread == null) {
                Thread t = new Thread(this::run, name);
                t.setDaemon(true);
                t.start();
                thread = t;
            }
        }
    }

    private void run() {
        while (true) {
            Runnable write;
            try {
                write = pending.take();
            } catch (InterruptedException e) {
                return;
            }
            try {
                write.run();
            } catch (RuntimeException e) {
                LOG.warning(() -> name + ": a write failed (" + e.getClass().getSimpleName() + ")");
            }
        }
    }
}
