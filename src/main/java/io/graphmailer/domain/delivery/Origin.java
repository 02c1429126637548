package io.graphmailer.domain.delivery;

/**
 * Where a message came from, for its delivery record: the trigger, the calling application (null when none is known,
 * e.g. a producer writing to the queue directly) and the idempotency key (null for an HTTP send without one).
 */
public record Origin(Trigger trigger, String callerApp, String idempotencyKey) {
    /** A queue message from an outside producer: no caller app is known. */
    public static Origin queue(String idempotencyKey) {
        return new Origin(Trigger.QUEUE, null, idempotencyKey);
    }

    /** A scheduled job's message. */
    public static Origin job(String idempotencyKey) {
        return new Origin(Trigger.JOB, null, idempotencyKey);
    }

    public static Origin http(String callerApp, String idempotencyKey) {
        return new Origin(Trigger.HTTP, callerApp, idempotencyKey);
    }

    public Origin withIdempotencyKey(String key) {
        return new Origin(trigger, callerApp, key);
    }
}
