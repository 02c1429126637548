package io.graphmailer.application;

import io.graphmailer.application.port.out.MailTransport;
import io.graphmailer.domain.SendMailCommand;
import io.graphmailer.domain.SenderPolicy;

/**
 * The send step every trigger shares, in two halves so the queue can claim its ledger entry between them:
 * {@link #prepare} (sender policy, then attachment sizes and limits: nothing has been sent yet) and {@link #transmit}
 * (the per-mailbox bound around the transport).
 */
final class SendStep {
    private final SenderPolicy senderPolicy;
    private final MailTransport transport;
    private final PerMailboxLimiter limiter;
    private final AttachmentResolver attachments;

    SendStep(SenderPolicy senderPolicy, MailTransport transport, PerMailboxLimiter limiter, AttachmentResolver attachments) {
        this.senderPolicy = senderPolicy;
        this.transport = transport;
        this.limiter = limiter;
        this.attachments = attachments;
    }

    SenderPolicy senderPolicy() {
        return senderPolicy;
    }

    /**
     * The mailbox and every sender field are authorized (what is sent uses the allowlist's spelling), then the sizes of
     * attachments by reference are read and the limits checked.
     *
     * @throws io.graphmailer.domain.SenderNotAllowedException from the sender policy, before anything is read
     * @throws io.graphmailer.domain.InvalidMailException      when a blob does not exist or the sizes break a limit
     * @throws io.graphmailer.domain.MailTransportException    when storage cannot be read
     */
    SendMailCommand prepare(SendMailCommand command) {
        return attachments.resolve(senderPolicy.authorize(command));
    }

    /** Sends a prepared command, at most the limiter's number at a time per mailbox. */
    void transmit(SendMailCommand prepared, String trackingId) {
        limiter.run(prepared.mailbox(), () -> {
            transport.send(prepared, trackingId);
            return null;
        });
    }
}
