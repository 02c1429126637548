package io.graphmailer.domain;

import java.time.Duration;

/**
 * A transport could not send. {@link Kind} tells callers what to do: fix the request, retry later,
 * or fix the deployment (a configuration fault is never the caller's fault).
 */
public class MailTransportException extends RuntimeException {
    public enum Kind {
        /** The service refused this message; sending it again will fail again. */
        REJECTED,
        /** Busy or throttled; try again, after {@link #retryAfter()} when given. */
        TRANSIENT,
        /** The request may or may not have been sent (timeout or 5xx after it went out). */
        OUTCOME_UNKNOWN,
        /** Permissions, certificate, scoping or settings are wrong: the operators must act. */
        CONFIGURATION
    }

    private final Kind kind;
    private final String code;
    private final Duration retryAfter;

    public MailTransportException(Kind kind, String code, String message, Duration retryAfter, Throwable cause) {
        super(message, cause);
        this.kind = kind;
        this.code = code;
        this.retryAfter = retryAfter;
    }

    public MailTransportException(Kind kind, String code, String message) {
        this(kind, code, message, null, null);
    }

    public Kind kind() {
        return kind;
    }

    public String code() {
        return code;
    }

    public Duration retryAfter() {
        return retryAfter;
    }
}
