package io.graphmailer.application.port.out;

import io.graphmailer.domain.MailTransportException;
import io.graphmailer.domain.SendMailCommand;
import io.graphmailer.domain.SendReceipt;

/** Where accepted mail goes: the local outbox, Microsoft Graph, or SMTP. */
public interface MailTransport {

    /** @throws MailTransportException when the message was not (or may not have been) sent */
    void send(SendMailCommand command, String trackingId);

    /**
     * {@link #send}, answering what the mail service said of the call: Graph's {@code request-id} where the transport
     * has one (the delivery log keeps it).
     */
    default SendReceipt deliver(SendMailCommand command, String trackingId) {
        send(command, trackingId);
        return new SendReceipt(trackingId);
    }

    /** Short name for logs and settings, e.g. {@code outbox} or {@code graph}. */
    String name();
}
