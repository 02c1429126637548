package io.graphmailer.application.port.out;

import java.time.Duration;

/** The outbox queue and its side queues, as graph-mailer writes to them. */
public interface MailQueue {

    /** Puts a new message on the outbox queue, visible at once (scheduled jobs enqueue their mail this way). */
    default void enqueue(String message) {
        requeue(message, Duration.ZERO);
    }

    /** Puts a (rewritten) message back on the outbox queue, invisible for {@code delay}. */
    void requeue(String message, Duration delay);

    /** Keeps a message that will never succeed as is, with the reason. */
    void deadLetter(String original, String code, String reason);

    /** Keeps a message whose transient failures exhausted the attempts, with the reason. */
    void poison(String original, String code, String reason);
}
