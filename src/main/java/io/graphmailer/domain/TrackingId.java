package io.graphmailer.domain;

import java.nio.charset.StandardCharsets;
import java.util.UUID;

/** The tracking id (Graph's client-request-id, the message id's local part) that a send carries. */
public final class TrackingId {
    private TrackingId() {
    }

    /** One id per idempotency key, so every attempt of the same mail carries the same id (a name-based UUID of the key). */
    public static String fromIdempotencyKey(String key) {
        return UUID.nameUUIDFromBytes(key.getBytes(StandardCharsets.UTF_8)).toString();
    }

    /** Graph's client-request-id is a GUID: a caller's GUID is kept (in lower case), anything else is replaced by a fresh one. */
    public static String fromCaller(String candidate) {
        return Guid.isGuid(candidate) ? candidate.toLowerCase() : UUID.randomUUID().toString();
    }
}
