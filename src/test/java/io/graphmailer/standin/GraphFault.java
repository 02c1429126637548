package io.graphmailer.standin;

import java.time.Duration;

/**
 * A fault the Graph stand-in applies to one request (after authentication and mailbox checks).
 *
 * @param kind              what happens
 * @param retryAfterSeconds {@code Retry-After} header value, or null for none
 * @param delay             for {@link Kind#ACCEPT_THEN_DELAY}: how long the 202 is held back
 */
public record GraphFault(Kind kind, Integer retryAfterSeconds, Duration delay) {

    public enum Kind {
        /** 429 {@code ApplicationThrottled} with {@code Retry-After}. */
        THROTTLED,
        /** 503 {@code ServiceUnavailable}, optionally with {@code Retry-After}. */
        SERVICE_UNAVAILABLE,
        /** 504 {@code GatewayTimeout}. */
        GATEWAY_TIMEOUT,
        /** Valid request is recorded as accepted (the mail "goes out"), but the 202 is sent only after a delay. */
        ACCEPT_THEN_DELAY,
        /** Valid request is recorded as accepted (sent, filed in Sent Items), then answered 504 GatewayTimeout. */
        ACCEPT_THEN_504
    }

    public static GraphFault throttled(int retryAfterSeconds) {
        return new GraphFault(Kind.THROTTLED, retryAfterSeconds, null);
    }

    public static GraphFault serviceUnavailable() {
        return new GraphFault(Kind.SERVICE_UNAVAILABLE, null, null);
    }

    public static GraphFault serviceUnavailable(int retryAfterSeconds) {
        return new GraphFault(Kind.SERVICE_UNAVAILABLE, retryAfterSeconds, null);
    }

    public static GraphFault gatewayTimeout() {
        return new GraphFault(Kind.GATEWAY_TIMEOUT, null, null);
    }

    /** For duplicate-send tests: the send happens, but the client times out before it hears so. */
    public static GraphFault acceptThenDelay(Duration delay) {
        return new GraphFault(Kind.ACCEPT_THEN_DELAY, null, delay);
    }

    /** For duplicate-send tests: the send happens, and the client hears 504 (outcome unknown to it). */
    public static GraphFault acceptThen504() {
        return new GraphFault(Kind.ACCEPT_THEN_504, null, null);
    }
}
