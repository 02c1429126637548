package io.graphmailer.domain.budget;

import io.graphmailer.domain.Mailbox;

import java.time.Instant;

/**
 * A send admitted by the budget: it holds one concurrency slot (until released, or until {@code slotUntil} if its
 * instance dies) and has been counted at {@code admittedAt}.
 */
public record Permit(Mailbox mailbox, String slotId, Instant admittedAt, Instant slotUntil, SendCost cost) {
}
