package io.graphmailer.application.port.in;

import io.graphmailer.domain.Mailbox;
import io.graphmailer.domain.SendMailCommand;
import io.graphmailer.domain.SendReceipt;
import io.graphmailer.domain.delivery.Origin;

/** Send one message as an allowed mailbox. Every trigger (HTTP, queue, timer, Lambda) calls this. */
public interface SendMailUseCase {

    /** Refuses a mailbox outside the allowlist; called before the request body is even read. */
    void requireAllowedSender(Mailbox mailbox);

    /**
     * @param trackingId an id the trigger owns for this one message (sent to Graph as client-request-id), or null for a
     *                   new one; never a caller's header, which may be shared by many messages
     */
    SendReceipt send(SendMailCommand command, String trackingId);

    /** The same, naming where the message came from for its delivery record (trigger, caller app, idempotency key). */
    default SendReceipt send(SendMailCommand command, String trackingId, Origin origin) {
        return send(command, trackingId);
    }

    /** Whether {@link #enqueue} can put a message on the outbox queue here (false in dev and with no queue). */
    default boolean queues() {
        return false;
    }

    /**
     * Checks the message as a send would (sender, sizes, a recipient count the daily budget can ever take) and puts it
     * on the outbox queue instead of sending it now; the receipt's tracking id is the one the queued send will carry.
     *
     * @throws UnsupportedOperationException when {@link #queues()} is false
     */
    default SendReceipt enqueue(SendMailCommand command, String idempotencyKey) {
        throw new UnsupportedOperationException("no outbox queue");
    }

    /** The same, naming the caller's app for the delivery record (carried in the envelope to the queued send). */
    default SendReceipt enqueue(SendMailCommand command, String idempotencyKey, Origin origin) {
        return enqueue(command, idempotencyKey);
    }

    /** Send with a new tracking id. */
    default SendReceipt send(SendMailCommand command) {
        return send(command, null);
    }
}
