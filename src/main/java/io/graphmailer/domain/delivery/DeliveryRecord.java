package io.graphmailer.domain.delivery;

import java.time.Instant;
import java.util.List;

/**
 * A message's delivery log entry, keyed by its tracking id: the facts from its acceptance, its state now, its history
 * (oldest first) and the Graph request id of the call that sent it (null until known, or for SMTP).
 */
public record DeliveryRecord(String trackingId, DeliveryFacts facts, DeliveryState state, Instant acceptedAt, Instant updatedAt,
                             String graphRequestId, List<DeliveryEvent> history) {
    public DeliveryRecord {
        history = List.copyOf(history);
    }
}
