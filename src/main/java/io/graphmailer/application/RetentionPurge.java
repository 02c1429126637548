package io.graphmailer.application;

import io.graphmailer.application.port.out.DeliveryLog;

import java.time.Duration;
import java.time.Instant;
import java.util.logging.Logger;

/**
 * The delivery log's retention, run by the timer's tick: records unchanged for longer than the retention are removed, at
 * most once per {@link #EVERY} in this process. A failed purge is a warning and is tried again at the next tick; it never
 * fails the tick.
 */
public final class RetentionPurge {
    private static final Logger LOG = Logger.getLogger(RetentionPurge.class.getName());
    static final Duration EVERY = Duration.ofHours(1);

    private final DeliveryLog log;
    private final Duration retention;
    private Instant lastPurge;

    public RetentionPurge(DeliveryLog log, Duration retention) {
        this.log = log;
        this.retention = retention;
    }

    /** @return how many records were removed; 0 when not due, or when the purge failed */
    public synchronized int purgeIfDue(Instant now) {
        if (lastPurge != null && now.isBefore(lastPurge.plus(EVERY))) {
            return 0;
        }
        Instant cutoff = now.minus(retention);
        try {
            int removed = log.purgeUpdatedBefore(cutoff);
            lastPurge = now;
            if (removed > 0) {
                LOG.info(() -> "delivery log: " + removed + " record(s) last changed before " + cutoff + " purged (retention " + retention + ")");
            }
            return removed;
        } catch (RuntimeException e) {
            LOG.warning(() -> "delivery log: the retention purge failed (" + e.getClass().getSimpleName() + "); tried again at the next tick");
            return 0;
        }
    }
}
