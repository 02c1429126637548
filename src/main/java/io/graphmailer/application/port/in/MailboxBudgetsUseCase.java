package io.graphmailer.application.port.in;

import io.graphmailer.domain.Mailbox;
import io.graphmailer.domain.budget.MailboxUsage;

import java.util.List;

/** Each allowed mailbox's budget and its use now (GET /api/mailboxes, the doctor). */
public interface MailboxBudgetsUseCase {

    /** Whether the mailbox sends by SMTP AUTH (its concurrency limit is the SMTP one) or Graph. */
    record MailboxBudgetView(Mailbox mailbox, String transport, MailboxUsage usage) {
    }

    /** @throws io.graphmailer.domain.budget.BudgetUnavailableException when the shared store cannot be reached */
    List<MailboxBudgetView> mailboxes();
}
