package io.graphmailer.application;

import io.graphmailer.application.port.in.MailboxBudgetsUseCase;
import io.graphmailer.application.port.out.MailboxBudget;
import io.graphmailer.domain.Mailbox;
import io.graphmailer.domain.SenderPolicy;
import io.graphmailer.domain.SmtpMailboxes;
import io.graphmailer.domain.budget.MailboxBudgetPolicy;

import java.util.ArrayList;
import java.util.List;

/** Reads each allowed mailbox's budget use from the store; counts nothing. */
public class MailboxBudgetsService implements MailboxBudgetsUseCase {
    private final SenderPolicy senderPolicy;
    private final MailboxBudget budget;
    private final MailboxBudgetPolicy policy;
    private final SmtpMailboxes smtpMailboxes;

    public MailboxBudgetsService(SenderPolicy senderPolicy, MailboxBudget budget, MailboxBudgetPolicy policy, SmtpMailboxes smtpMailboxes) {
        this.senderPolicy = senderPolicy;
        this.budget = budget;
        this.policy = policy;
        this.smtpMailboxes = smtpMailboxes;
    }

    @Override
    public List<MailboxBudgetView> mailboxes() {
        List<MailboxBudgetView> out = new ArrayList<>();
        for (Mailbox mailbox : senderPolicy.mailboxes()) {
            out.add(new MailboxBudgetView(mailbox, smtpMailboxes.routesToSmtp(mailbox) ? "smtp" : "graph",
                    budget.usage(mailbox, policy.limitsFor(mailbox))));
        }
        return out;
    }
}
