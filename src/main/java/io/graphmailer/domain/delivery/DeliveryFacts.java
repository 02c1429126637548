package io.graphmailer.domain.delivery;

import java.util.List;

/**
 * What is known of a message when it is accepted: its mailbox, trigger, the caller's app, the idempotency key (null for
 * an HTTP send without one), recipient count and size; the addresses only when a setting asks for them (else empty).
 */
public record DeliveryFacts(String mailbox, Trigger trigger, String callerApp, String idempotencyKey, int recipientCount,
                            long sizeBytes, List<String> recipients) {
    public DeliveryFacts {
        recipients = recipients == null ? List.of() : List.copyOf(recipients);
    }
}
