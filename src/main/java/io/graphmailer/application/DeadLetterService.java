package io.graphmailer.application;

import io.graphmailer.application.port.in.DeadLetterUseCase;
import io.graphmailer.application.port.out.DeadLetterStore;
import io.graphmailer.application.port.out.DeadLetterStore.Claim;
import io.graphmailer.application.port.out.DeliveryLog;
import io.graphmailer.application.port.out.MailQueue;
import io.graphmailer.domain.deadletter.DeadLetterEntry;
import io.graphmailer.domain.deadletter.DeadLetterFilter;
import io.graphmailer.domain.deadletter.DeadLetterPage;
import io.graphmailer.domain.deadletter.DeadLetterReport;
import io.graphmailer.domain.delivery.DeliveryEvent;
import io.graphmailer.domain.delivery.DeliveryState;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.logging.Logger;

/**
 * Dead-letter operations over the two side queues. Every operation starts with a scan that claims the entries (storage
 * queues can only be read by taking messages for a while), acts on the selected ones and releases the rest at once.
 * A replay removes the entry with its claim <em>before</em> it enqueues the original envelope: when two operators act
 * on the same entries, only the latest claim's holder can remove an entry, so each entry is replayed at most once; an
 * enqueue that fails puts the entry back. See ADR 0018.
 */
public class DeadLetterService implements DeadLetterUseCase {
    private static final Logger LOG = Logger.getLogger(DeadLetterService.class.getName());

    /**
     * @param scanLimit the most entries one operation reads (the report says when there were more)
     * @param lease     how long a scan holds the entries it read: longer than the scan and the actions take
     */
    public record Settings(int scanLimit, Duration lease) {
        public static final Settings DEFAULTS = new Settings(5_000, Duration.ofSeconds(60));
    }

    private final DeadLetterStore store;
    private final MailQueue outbox;
    private final DeliveryLog deliveryLog;
    private final Settings settings;
    private final Clock clock;
    private final io.graphmailer.application.port.out.Telemetry telemetry;

    public DeadLetterService(DeadLetterStore store, MailQueue outbox, DeliveryLog deliveryLog, Settings settings, Clock clock) {
        this(store, outbox, deliveryLog, settings, clock, io.graphmailer.application.port.out.Telemetry.NONE);
    }

    public DeadLetterService(DeadLetterStore store, MailQueue outbox, DeliveryLog deliveryLog, Settings settings, Clock clock,
                             io.graphmailer.application.port.out.Telemetry telemetry) {
        this.telemetry = telemetry;
        this.store = store;
        this.outbox = outbox;
        this.deliveryLog = deliveryLog;
        this.settings = settings;
        this.clock = clock;
    }

    @Override
    public DeadLetterPage list(DeadLetterFilter filter, int offset, int limit) {
        List<Claim> claims = store.claim(settings.scanLimit(), settings.lease());
        try {
            Instant now = clock.instant();
            List<DeadLetterEntry> matches = claims.stream().map(Claim::entry).filter(e -> filter.matches(e, now))
                    .sorted(Comparator.comparing(DeadLetterEntry::keptAt).thenComparing(DeadLetterEntry::id)).toList();
            int from = Math.min(Math.max(0, offset), matches.size());
            int to = Math.min(matches.size(), from + Math.max(1, limit));
            return new DeadLetterPage(matches.subList(from, to), matches.size(), to < matches.size() ? to : null,
                    claims.size() < settings.scanLimit());
        } finally {
            claims.forEach(store::release);
        }
    }

    @Override
    public Optional<DeadLetterEntry> show(String id) {
        List<Claim> claims = store.claim(settings.scanLimit(), settings.lease());
        try {
            return claims.stream().map(Claim::entry).filter(e -> e.id().equals(id)).findFirst();
        } finally {
            claims.forEach(store::release);
        }
    }

    @Override
    public DeadLetterReport replay(Selection selection, String who, boolean dryRun) {
        return measured("replay", act(selection, dryRun, (claim, entry) -> {
            try {
                outbox.enqueue(entry.original());
            } catch (RuntimeException e) {
                LOG.warning(() -> "deadletter: replay of " + entry.id() + " failed to enqueue (" + e.getClass().getSimpleName()
                        + "); the entry is put back");
                store.restore(entry);
                return false;
            }
            if (entry.trackingId() != null) {
                try {
                    deliveryLog.record(entry.trackingId(), new DeliveryEvent(clock.instant(), DeliveryState.REPLAYED,
                            "replayed by " + who + " from the " + entry.queue().wireName() + " queue (" + entry.code() + ")"), null);
                } catch (RuntimeException e) {
                    // The delivery log is best effort; the replay has happened.
                    LOG.warning(() -> "deadletter: the delivery log did not record the replay of " + entry.id());
                }
            }
            LOG.info(() -> "deadletter: " + entry.id() + " (tracking id " + entry.trackingId() + ") replayed by " + who);
            return true;
        }));
    }

    @Override
    public DeadLetterReport purge(Selection selection, boolean dryRun) {
        return measured("purge", act(selection, dryRun, (claim, entry) -> true));
    }

    private DeadLetterReport measured(String action, DeadLetterReport report) {
        if (!report.dryRun()) {
            telemetry.deadLetterAction(action, report.done());
        }
        return report;
    }

    /** What happens to an entry once it is removed from its queue; false: it was put back. */
    private interface Action {
        boolean apply(Claim claim, DeadLetterEntry entry);
    }

    private DeadLetterReport act(Selection selection, boolean dryRun, Action action) {
        List<Claim> claims = store.claim(settings.scanLimit(), settings.lease());
        Instant now = clock.instant();
        int matched = 0;
        int done = 0;
        int skipped = 0;
        int failed = 0;
        List<String> ids = new ArrayList<>();
        java.util.Set<Claim> removed = java.util.Collections.newSetFromMap(new java.util.IdentityHashMap<>());
        try {
            for (Claim claim : claims) {
                DeadLetterEntry entry = claim.entry();
                boolean selected = selection.ids().isEmpty() ? selection.filter().matches(entry, now)
                        : selection.ids().contains(entry.id());
                if (!selected || dryRun) {
                    if (selected) {
                        matched++;
                        done++;
                        ids.add(entry.id());
                    }
                    continue;
                }
                matched++;
                removed.add(claim); // removed, or no longer ours: not released either way
                if (!store.remove(claim)) {
                    // Our claim ran out and another operator holds the entry now: theirs to act on.
                    skipped++;
                    continue;
                }
                if (action.apply(claim, entry)) {
                    done++;
                    ids.add(entry.id());
                } else {
                    failed++;
                }
            }
        } finally {
            claims.stream().filter(c -> !removed.contains(c)).forEach(store::release);
        }
        return new DeadLetterReport(dryRun, matched, done, skipped, failed, ids, claims.size() < settings.scanLimit());
    }
}
