package io.graphmailer.application;

/** An occurrence that could not run; the message names the job, the occurrence and what failed. */
public class JobRunException extends RuntimeException {
    public enum Kind { UNKNOWN_JOB, SOURCE_FAILED, INVALID_CONTENT, QUEUE_FAILED }

    private final Kind kind;

    public JobRunException(Kind kind, String message) {
        super(message, null, false, false);
        this.kind = kind;
    }

    public Kind kind() {
        return kind;
    }
}
