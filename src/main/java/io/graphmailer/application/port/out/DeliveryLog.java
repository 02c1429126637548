package io.graphmailer.application.port.out;

import io.graphmailer.domain.delivery.DeliveryEvent;
import io.graphmailer.domain.delivery.DeliveryFacts;
import io.graphmailer.domain.delivery.DeliveryPage;
import io.graphmailer.domain.delivery.DeliveryQuery;
import io.graphmailer.domain.delivery.DeliveryRecord;

import java.time.Instant;
import java.util.Optional;

/**
 * Every accepted message's record, keyed by tracking id, whatever its trigger: what an operator reads to see what
 * happened to a message. Not the send ledger (which decides "sent once"); writes here are best effort and never stop a
 * send. Shared by every instance in the deployed store.
 */
public interface DeliveryLog {

    /** The message was accepted: its record is created with these facts (a second accept of the same id adds an event). */
    void accepted(String trackingId, DeliveryFacts facts, DeliveryEvent event);

    /** A later step; {@code graphRequestId} may be null. A record not known yet is created without facts. */
    void record(String trackingId, DeliveryEvent event, String graphRequestId);

    Optional<DeliveryRecord> find(String trackingId);

    DeliveryPage list(DeliveryQuery query);

    /** Removes the records last updated before {@code cutoff}; returns how many. */
    int purgeUpdatedBefore(Instant cutoff);
}
