package io.graphmailer.application;

import io.graphmailer.application.port.in.SendMailUseCase;
import io.graphmailer.application.port.out.MailTransport;
import io.graphmailer.application.port.out.MailboxBudget;
import io.graphmailer.domain.InvalidMailException;
import io.graphmailer.domain.Mailbox;
import io.graphmailer.domain.SendMailCommand;
import io.graphmailer.domain.SendReceipt;
import io.graphmailer.domain.SenderPolicy;
import io.graphmailer.domain.TrackingId;
import io.graphmailer.domain.budget.Admission;
import io.graphmailer.domain.budget.MailboxBudgetExceededException;
import io.graphmailer.domain.budget.MailboxBudgetPolicy;

import java.time.Clock;
import java.time.Duration;

public class SendMailService implements SendMailUseCase {

    private final SendStep step;

    public SendMailService(SenderPolicy senderPolicy, MailTransport transport, PerMailboxLimiter limiter) {
        this(senderPolicy, transport, limiter, AttachmentResolver.none());
    }

    /** With this process's own budget at the published defaults. */
    public SendMailService(SenderPolicy senderPolicy, MailTransport transport, PerMailboxLimiter limiter, AttachmentResolver attachments) {
        this(senderPolicy, transport, limiter, attachments, new InMemoryMailboxBudget(Clock.systemUTC(), Duration.ofMinutes(5)),
                MailboxBudgetPolicy.defaults());
    }

    public SendMailService(SenderPolicy senderPolicy, MailTransport transport, PerMailboxLimiter limiter, AttachmentResolver attachments,
                           MailboxBudget budget, MailboxBudgetPolicy budgetPolicy) {
        this.step = new SendStep(senderPolicy, transport, limiter, attachments, budget, budgetPolicy);
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
        Admission admission = step.admit(prepared);
        if (admission instanceof Admission.Wait wait) {
            throw new MailboxBudgetExceededException(prepared.mailbox(), wait);
        }
        if (admission instanceof Admission.Refused refused) {
            throw new InvalidMailException("toRecipients", refused.detail());
        }
        step.transmit(prepared, id, ((Admission.Granted) admission).permit());
        return new SendReceipt(id);
    }
}
