package io.graphmailer.application.port.out;

import io.graphmailer.domain.Mailbox;
import io.graphmailer.domain.budget.Admission;
import io.graphmailer.domain.budget.Claimant;
import io.graphmailer.domain.budget.MailboxLimits;
import io.graphmailer.domain.budget.MailboxUsage;
import io.graphmailer.domain.budget.Permit;
import io.graphmailer.domain.budget.SendCost;

/**
 * Each mailbox's budget (concurrent sends, messages per minute, recipients per 24 hours, Graph requests per 10 minutes),
 * shared by every trigger and, in the shared store, by every instance. The decision itself is
 * {@link io.graphmailer.domain.budget.BudgetWindow}'s; a store only keeps the state.
 *
 * @throws io.graphmailer.domain.budget.BudgetUnavailableException from every method when the store cannot be reached
 */
public interface MailboxBudget {

    /**
     * Counts the send and takes a slot if it fits every limit now; over the messages-per-minute limit a claimant that
     * may take a ticket gets a place in line ({@link Admission.Wait#ticketed()}) and presents the same id again.
     */
    Admission admit(Mailbox mailbox, MailboxLimits limits, SendCost cost, Claimant claimant);

    /** A send that holds no place in line when it has to wait. */
    default Admission admit(Mailbox mailbox, MailboxLimits limits, SendCost cost) {
        return admit(mailbox, limits, cost, Claimant.once());
    }

    /**
     * Frees the slot; {@code sent} false (certainly not accepted by the mail service) gives back the message and its
     * recipients. Never throws for a slot already gone; a failure to reach the store leaves the slot to expire.
     */
    void release(Permit permit, boolean sent);

    MailboxUsage usage(Mailbox mailbox, MailboxLimits limits);
}
