package io.graphmailer.application;

import io.graphmailer.application.port.in.SendMailUseCase;
import io.graphmailer.application.port.out.MailTransport;
import io.graphmailer.domain.Guid;
import io.graphmailer.domain.Mailbox;
import io.graphmailer.domain.SendMailCommand;
import io.graphmailer.domain.SendReceipt;
import io.graphmailer.domain.SenderPolicy;

import java.util.UUID;

public class SendMailService implements SendMailUseCase {

    private final SenderPolicy senderPolicy;
    private final MailTransport transport;
    private final PerMailboxLimiter limiter;
    private final AttachmentResolver attachments;

    public SendMailService(SenderPolicy senderPolicy, MailTransport transport, PerMailboxLimiter limiter) {
        this(senderPolicy, transport, limiter, AttachmentResolver.none());
    }

    public SendMailService(SenderPolicy senderPolicy, MailTransport transport, PerMailboxLimiter limiter, AttachmentResolver attachments) {
        this.senderPolicy = senderPolicy;
        this.transport = transport;
        this.limiter = limiter;
        this.attachments = attachments;
    }

    @Override
    public void requireAllowedSender(Mailbox mailbox) {
        senderPolicy.requireAllowed(mailbox);
    }

    @Override
    public SendReceipt send(SendMailCommand command, String trackingId) {
        // The mailbox and every sender field; what is sent uses the allowlist's spelling.
        SendMailCommand authorized = senderPolicy.authorize(command);
        // Graph's client-request-id is a GUID; anything else is replaced, not forwarded.
        String id = Guid.isGuid(trackingId) ? trackingId.toLowerCase() : UUID.randomUUID().toString();
        // Sizes of attachments by reference are read (and the limits checked) before any call to the mail service.
        SendMailCommand resolved = attachments.resolve(authorized);
        limiter.run(authorized.mailbox(), () -> {
            transport.send(resolved, id);
            return null;
        });
        return new SendReceipt(id);
    }
}
