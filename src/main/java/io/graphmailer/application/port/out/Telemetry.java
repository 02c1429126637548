package io.graphmailer.application.port.out;

import java.time.Duration;
import java.time.Instant;

/**
 * What graph-mailer reports about its sends as traces and metrics. Attribute values are ids, mailbox addresses, error
 * codes and states: never a body, a token, a key or a recipient. With telemetry off every call is a no-op.
 */
public interface Telemetry {

    /** One send through a transport, open until closed; {@link #outcome} records how it ended. */
    interface Send extends AutoCloseable {
        /** {@code outcome}: sent, rejected, transient, unknown, configuration; {@code code} the error code or empty. */
        void outcome(String outcome, String code);

        @Override
        void close();
    }

    Send send(String trackingId, String mailbox, String transport);

    /** Graph or Exchange asked to wait: {@code retryAfter} may be null when no Retry-After came. */
    void throttled(String mailbox, Duration retryAfter);

    /** A queued message was put back to wait for the mailbox's limit {@code limit}. */
    void waitingForLimit(String mailbox, String limit);

    /** How a queued message ended ({@code QueueOutcome.Kind}, lower case) and its code or detail. */
    void queueOutcome(String outcome, String code);

    /** A message met an unknown outcome; {@code result}: verified-sent, resent, parked. */
    void unknownOutcome(String result);

    /** An operator replayed or purged {@code count} kept messages ({@code action}: replay, purge). */
    void deadLetterAction(String action, int count);

    /** What an outbound call's span may say about it; {@code OtelTelemetry} names each. Values are never a URL query, a token or a body. */
    enum Attribute {
        /** HTTP method. */
        METHOD,
        /** The route with its ids replaced ({@code /v1.0/users/{mailbox}/sendMail}), never a query string. */
        ROUTE,
        /** The host called. */
        HOST,
        /** The HTTP status. */
        STATUS,
        /** The SMTP reply code. */
        REPLY_CODE,
        /** The service's own id of the request ({@code request-id}, {@code x-ms-request-id}). */
        REQUEST_ID,
        /** Retry-After, in seconds. */
        RETRY_AFTER,
        /** Storage: queue, table or blob. */
        STORAGE_SERVICE,
        /** Storage: the queue, table or container name. */
        STORAGE_RESOURCE,
        /** Token: app-only, delegated or managed-identity. */
        TOKEN_KIND,
        /** Token: cache (MSAL's cache answered) or network (the identity platform was asked). */
        TOKEN_SOURCE
    }

    /** One outbound call as a span (child of the current one, with the tracking and invocation ids in scope); close ends it. */
    interface Call extends AutoCloseable {
        Call set(Attribute attribute, String value);

        Call set(Attribute attribute, long value);

        /** The call failed with {@code code} (an error code, an exception's simple name): the span's status is an error. */
        void failed(String code);

        @Override
        void close();

        Call NONE = new Call() {
            @Override
            public Call set(Attribute attribute, String value) {
                return this;
            }

            @Override
            public Call set(Attribute attribute, long value) {
                return this;
            }

            @Override
            public void failed(String code) {
            }

            @Override
            public void close() {
            }
        };
    }

    /**
     * An outbound call to {@code system} (graph, keyvault, storage, identity, smtp); {@code operation} is what the span is
     * called after the system, e.g. {@code POST /v1.0/users/{mailbox}/sendMail}.
     */
    default Call call(String system, String operation) {
        return Call.NONE;
    }

    /** The processing of one queue message: its tracking id and mailbox in scope of every call inside, and its age. */
    default Scope queueMessage(String trackingId, String mailbox, Duration age) {
        return () -> {
        };
    }

    /** A 429 or 503 answer inside the Graph client's own retries (each attempt, retried or not). */
    default void graphThrottled(int status, Long retryAfterSeconds) {
    }

    /** A token was had ({@code kind}: app-only, delegated; {@code source}: cache, network). */
    default void tokenAcquired(String kind, String source) {
    }

    /** A token request failed with {@code code}. */
    default void tokenFailed(String kind, String code) {
    }

    /** The certificate the app signs with, as last loaded: its days to expiry are a gauge. */
    default void certificateLoaded(Instant notAfter) {
    }

    /** Ends what {@link #queueMessage} began. */
    interface Scope extends AutoCloseable {
        @Override
        void close();
    }

    Telemetry NONE = new Telemetry() {
        private final Send none = new Send() {
            @Override
            public void outcome(String outcome, String code) {
            }

            @Override
            public void close() {
            }
        };

        @Override
        public Send send(String trackingId, String mailbox, String transport) {
            return none;
        }

        @Override
        public void throttled(String mailbox, Duration retryAfter) {
        }

        @Override
        public void waitingForLimit(String mailbox, String limit) {
        }

        @Override
        public void queueOutcome(String outcome, String code) {
        }

        @Override
        public void unknownOutcome(String result) {
        }

        @Override
        public void deadLetterAction(String action, int count) {
        }
    };
}
