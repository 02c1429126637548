package io.graphmailer.application;

import io.graphmailer.application.port.in.SendMailUseCase;
import io.graphmailer.application.port.out.MailTransport;
import io.graphmailer.domain.Mailbox;
import io.graphmailer.domain.SendMailCommand;
import io.graphmailer.domain.SendReceipt;
import io.graphmailer.domain.SenderPolicy;
import io.graphmailer.domain.TrackingId;

public class SendMailService implements SendMailUseCase {

    private final SendStep step;

    public SendMailService(SenderPolicy senderPolicy, MailTransport transport, PerMailboxLimiter limiter) {
        this(senderPolicy, transport, limiter, AttachmentResolver.none());
    }

    public SendMailService(SenderPolicy senderPolicy, MailTransport transport, PerMailboxLimiter limiter, AttachmentResolver attachments) {
        this.step = new SendStep(senderPolicy, transport, limiter, attachments);
    }

    @Override
    public void requireAllowedSender(Mailbox mailbox) {
        step.senderPolicy().requireAllowed(mailbox);
    }

    @Override
    public SendReceipt send(SendMailCommand command, String trackingId) {
        // Authorized and resolved (attachment sizes, limits) before any call to the mail service.
        SendMailCommand prepared = step.prepare(command);
        String id = TrackingId.fromCaller(trackingId);
        step.transmit(prepared, id);
        return new SendReceipt(id);
    }
}
