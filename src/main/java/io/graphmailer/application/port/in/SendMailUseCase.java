package io.graphmailer.application.port.in;

import io.graphmailer.domain.Mailbox;
import io.graphmailer.domain.SendMailCommand;
import io.graphmailer.domain.SendReceipt;

/** Send one message as an allowed mailbox. Every trigger (HTTP, queue, timer, Lambda) calls this. */
public interface SendMailUseCase {

    /** Refuses a mailbox outside the allowlist; called before the request body is even read. */
    void requireAllowedSender(Mailbox mailbox);

    /**
     * @param trackingId an id the trigger owns for this one message (sent to Graph as client-request-id), or null for a
     *                   new one; never a caller's header, which may be shared by many messages
     */
    SendReceipt send(SendMailCommand command, String trackingId);

    /** Send with a new tracking id. */
    default SendReceipt send(SendMailCommand command) {
        return send(command, null);
    }
}
