package io.graphmailer.application;

import io.graphmailer.application.port.out.MailTransport;
import io.graphmailer.application.port.out.MailboxBudget;
import io.graphmailer.domain.MailTransportException;
import io.graphmailer.domain.SendMailCommand;
import io.graphmailer.domain.SendReceipt;
import io.graphmailer.domain.SenderPolicy;
import io.graphmailer.domain.budget.Admission;
import io.graphmailer.domain.budget.Claimant;
import io.graphmailer.domain.budget.MailboxBudgetPolicy;
import io.graphmailer.domain.budget.Permit;

/**
 * The send step every trigger shares, in two halves so the queue can claim its ledger entry between them:
 * {@link #prepare} (sender policy, then attachment sizes and limits: nothing has been sent yet), {@link #admit} (the
 * mailbox's budget) and {@link #transmit} (the in-process bound around the transport, then the permit's release).
 */
final class SendStep {
    private final SenderPolicy senderPolicy;
    private final MailTransport transport;
    private final PerMailboxLimiter limiter;
    private final AttachmentResolver attachments;
    private final MailboxBudget budget;
    private final MailboxBudgetPolicy budgetPolicy;

    SendStep(SenderPolicy senderPolicy, MailTransport transport, PerMailboxLimiter limiter, AttachmentResolver attachments,
             MailboxBudget budget, MailboxBudgetPolicy budgetPolicy) {
        this.senderPolicy = senderPolicy;
        this.transport = transport;
        this.limiter = limiter;
        this.attachments = attachments;
        this.budget = budget;
        this.budgetPolicy = budgetPolicy;
    }

    MailboxBudget budget() {
        return budget;
    }

    MailboxBudgetPolicy budgetPolicy() {
        return budgetPolicy;
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

    /**
     * Asks the mailbox's budget for a prepared command: granted (counted, holding a slot), wait until the window frees,
     * or refused (larger than the budget itself). {@code claimant} holds the message's place in line when it waits.
     *
     * @throws io.graphmailer.domain.budget.BudgetUnavailableException when the shared store cannot be reached
     */
    Admission admit(SendMailCommand prepared, Claimant claimant) {
        return budget.admit(prepared.mailbox(), budgetPolicy.limitsFor(prepared.mailbox()), budgetPolicy.costOf(prepared), claimant);
    }

    /**
     * Sends an admitted command, at most the limiter's number at a time per mailbox in this process, then releases the
     * permit: counted as sent unless the mail service certainly did not take it (refused, throttled, misconfigured).
     */
    SendReceipt transmit(SendMailCommand prepared, String trackingId, Permit permit) {
        boolean certainlyNotSent = false;
        try {
            return limiter.run(prepared.mailbox(), () -> transport.deliver(prepared, trackingId));
        } catch (MailTransportException e) {
            certainlyNotSent = e.kind() != MailTransportException.Kind.OUTCOME_UNKNOWN;
            throw e;
        } finally {
            budget.release(permit, !certainlyNotSent);
        }
    }
}
