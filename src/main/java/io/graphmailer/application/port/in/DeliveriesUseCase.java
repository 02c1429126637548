package io.graphmailer.application.port.in;

import io.graphmailer.domain.delivery.DeliveryPage;
import io.graphmailer.domain.delivery.DeliveryQuery;
import io.graphmailer.domain.delivery.DeliveryRecord;
import io.graphmailer.domain.delivery.DeliveryState;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** What happened to a message: its delivery record, a filtered list, and a per-mailbox summary (README "Delivery log"). */
public interface DeliveriesUseCase {

    /**
     * @param callerApp the asking app: the record is returned only when that app sent it; null for an admin (every app's)
     * @return empty when there is no such record or another app sent it (the two are not told apart)
     */
    Optional<DeliveryRecord> find(String trackingId, String callerApp);

    /** @throws IllegalArgumentException for a page token this service did not give */
    DeliveryPage list(DeliveryQuery query);

    /** Per mailbox, over the records changed since {@code since}: counts by state now, the last send, how many wait now. */
    List<MailboxSummary> summary(Instant since);

    record MailboxSummary(String mailbox, Map<DeliveryState, Integer> counts, Instant lastSent, int waitingNow) {
    }
}
