package io.graphmailer.application;

import io.graphmailer.application.port.in.DeliveriesUseCase;
import io.graphmailer.application.port.out.DeliveryLog;
import io.graphmailer.domain.delivery.DeliveryPage;
import io.graphmailer.domain.delivery.DeliveryQuery;
import io.graphmailer.domain.delivery.DeliveryRecord;
import io.graphmailer.domain.delivery.DeliveryState;

import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/** Reads the delivery log for operators and callers; each caller sees only its own app's records unless it is an admin. */
public class DeliveriesService implements DeliveriesUseCase {
    /** The most records {@link #summary} reads (a terminal table, not an export). */
    static final int SUMMARY_LIMIT = 100_000;

    /** How long a read waits for this process's own pending log writes (its caller's send just before, say). */
    private static final java.time.Duration OWN_WRITES = java.time.Duration.ofSeconds(2);

    private final DeliveryLog log;
    private final DeliveryRecorder recorder;

    public DeliveriesService(DeliveryLog log) {
        this(log, null);
    }

    /** @param recorder whose pending writes a read waits for (briefly), so a caller reads its own send; null: none */
    public DeliveriesService(DeliveryLog log, DeliveryRecorder recorder) {
        this.log = log;
        this.recorder = recorder;
    }

    private void ownWritesFirst() {
        if (recorder != null) {
            recorder.flush(OWN_WRITES);
        }
    }

    @Override
    public Optional<DeliveryRecord> find(String trackingId, String callerApp) {
        ownWritesFirst();
        return log.find(trackingId).filter(r -> callerApp == null
                || (r.facts() != null && callerApp.equals(r.facts().callerApp())));
    }

    @Override
    public DeliveryPage list(DeliveryQuery query) {
        ownWritesFirst();
        try {
            return log.list(query);
        } catch (IndexOutOfBoundsException e) {
            throw new IllegalArgumentException("is not a page token this service gave");
        }
    }

    @Override
    public List<MailboxSummary> summary(Instant since) {
        ownWritesFirst();
        Map<String, Map<DeliveryState, Integer>> counts = new TreeMap<>();
        Map<String, Instant> lastSent = new TreeMap<>();
        String token = null;
        int read = 0;
        do {
            DeliveryPage page = log.list(new DeliveryQuery(null, null, since, null, null, DeliveryQuery.MAX_PAGE_SIZE, token));
            for (DeliveryRecord r : page.records()) {
                String mailbox = r.facts() == null ? "(unknown)" : r.facts().mailbox();
                counts.computeIfAbsent(mailbox, m -> new EnumMap<>(DeliveryState.class)).merge(r.state(), 1, Integer::sum);
                if (r.state() == DeliveryState.SENT || r.state() == DeliveryState.VERIFIED_SENT) {
                    lastSent.merge(mailbox, r.updatedAt(), (a, b) -> a.isAfter(b) ? a : b);
                }
            }
            read += page.records().size();
            token = page.nextPageToken();
        } while (token != null && read < SUMMARY_LIMIT);
        List<MailboxSummary> out = new ArrayList<>();
        counts.forEach((mailbox, byState) -> out.add(new MailboxSummary(mailbox, byState, lastSent.get(mailbox),
                byState.getOrDefault(DeliveryState.WAITING, 0))));
        return out;
    }
}
