package io.graphmailer.application.port.out;

import io.graphmailer.domain.MailTransportException;
import io.graphmailer.domain.SendMailCommand;

/** Where accepted mail goes: the local outbox, Microsoft Graph, or SMTP. */
public interface MailTransport {

    /** @throws MailTransportException when the message was not (or may not have been) sent */
    void send(SendMailCommand command, String trackingId);

    /** Short name for logs and settings, e.g. {@code outbox} or {@code graph}. */
    String name();
}
