package io.graphmailer.application.port.out;

import java.time.Duration;

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
