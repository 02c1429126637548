package io.graphmailer.domain.delivery;

import java.time.Instant;
import java.util.Objects;

/** One step of a message's history: when, which state, and why (a reason or error code; never a body or an address). */
public record DeliveryEvent(Instant at, DeliveryState state, String reason) {
    public DeliveryEvent {
        Objects.requireNonNull(at, "at");
        Objects.requireNonNull(state, "state");
        reason = reason == null ? "" : reason;
    }
}
