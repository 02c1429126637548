package io.graphmailer.application;

import io.graphmailer.application.port.out.DeliveryLog;
import io.graphmailer.domain.delivery.DeliveryEvent;
import io.graphmailer.domain.delivery.DeliveryFacts;
import io.graphmailer.domain.delivery.DeliveryPage;
import io.graphmailer.domain.delivery.DeliveryQuery;
import io.graphmailer.domain.delivery.DeliveryRecord;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** This process's delivery log (dev, the outbox, a run without storage); at most {@code capacity} records, oldest dropped. */
public final class InMemoryDeliveryLog implements DeliveryLog {
    private final int capacity;
    private final Map<String, DeliveryRecord> records = new LinkedHashMap<>();

    public InMemoryDeliveryLog(int capacity) {
        this.capacity = capacity;
    }

    @Override
    public synchronized void accepted(String trackingId, DeliveryFacts facts, DeliveryEvent event) {
        DeliveryRecord known = records.get(trackingId);
        if (known == null || known.facts() == null) {
            Instant acceptedAt = known == null ? event.at() : known.acceptedAt();
            List<DeliveryEvent> history = known == null ? List.of() : known.history();
            String requestId = known == null ? null : known.graphRequestId();
            known = new DeliveryRecord(trackingId, facts, event.state(), acceptedAt, event.at(), requestId, history);
        }
        put(append(known, event, null));
    }

    @Override
    public synchronized void record(String trackingId, DeliveryEvent event, String graphRequestId) {
        DeliveryRecord known = records.get(trackingId);
        if (known == null) {
            known = new DeliveryRecord(trackingId, null, event.state(), event.at(), event.at(), null, List.of());
        }
        put(append(known, event, graphRequestId));
    }

    private static DeliveryRecord append(DeliveryRecord r, DeliveryEvent event, String graphRequestId) {
        List<DeliveryEvent> history = new ArrayList<>(r.history());
        history.add(event);
        history.sort(Comparator.comparing(DeliveryEvent::at));
        DeliveryEvent last = history.get(history.size() - 1);
        return new DeliveryRecord(r.trackingId(), r.facts(), last.state(), r.acceptedAt(), last.at(),
                graphRequestId != null ? graphRequestId : r.graphRequestId(), history);
    }

    private void put(DeliveryRecord r) {
        records.remove(r.trackingId());
        records.put(r.trackingId(), r);
        while (records.size() > capacity) {
            records.remove(records.keySet().iterator().next());
        }
    }

    @Override
    public synchronized Optional<DeliveryRecord> find(String trackingId) {
        return Optional.ofNullable(records.get(trackingId));
    }

    @Override
    public synchronized DeliveryPage list(DeliveryQuery q) {
        List<DeliveryRecord> matching = records.values().stream()
                .filter(r -> q.mailbox() == null || (r.facts() != null && q.mailbox().equalsIgnoreCase(r.facts().mailbox())))
                .filter(r -> q.state() == null || r.state() == q.state())
                .filter(r -> q.since() == null || !r.updatedAt().isBefore(q.since()))
                .filter(r -> q.until() == null || r.updatedAt().isBefore(q.until()))
                .filter(r -> q.callerApp() == null || (r.facts() != null && q.callerApp().equals(r.facts().callerApp())))
                .sorted(Comparator.comparing(DeliveryRecord::updatedAt).reversed().thenComparing(DeliveryRecord::trackingId))
                .toList();
        int from = q.pageToken() == null ? 0 : Integer.parseInt(q.pageToken());
        if (from < 0) {
            throw new IllegalArgumentException("is not a page token this service gave");
        }
        int to = Math.min(matching.size(), from + q.pageSize());
        return new DeliveryPage(matching.subList(Math.min(from, to), to), to < matching.size() ? Integer.toString(to) : null);
    }

    @Override
    public synchronized int purgeUpdatedBefore(Instant cutoff) {
        int before = records.size();
        records.values().removeIf(r -> r.updatedAt().isBefore(cutoff));
        return before - records.size();
    }
}
