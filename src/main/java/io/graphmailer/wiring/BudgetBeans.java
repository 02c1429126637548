package io.graphmailer.wiring;

import io.graphmailer.application.InMemoryMailboxBudget;
import io.graphmailer.application.port.out.MailboxBudget;
import io.graphmailer.config.GraphMailerConfig;
import io.graphmailer.domain.SmtpMailboxes;
import io.graphmailer.domain.budget.MailboxBudgetPolicy;
import io.graphmailer.domain.budget.MailboxLimits;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;

import java.time.Clock;
import java.util.List;

/** The mailbox budget: its limits from the settings, and the store that keeps its state. */
@Singleton
public class BudgetBeans {

    @Produces
    @Singleton
    MailboxBudgetPolicy mailboxBudgetPolicy(GraphMailerConfig config, SmtpMailboxes smtpMailboxes) {
        GraphMailerConfig.Budget b = config.budget();
        return new MailboxBudgetPolicy(new MailboxLimits(b.concurrentSendsGraph(), b.messagesPerMinute(), b.recipientsPerDay(),
                b.graphRequestsPerTenMinutes()), b.concurrentSendsSmtp(), b.recipientsSafetyMargin(), b.overrides().orElse(List.of()),
                smtpMailboxes);
    }

    @Produces
    @Singleton
    MailboxBudget mailboxBudget(GraphMailerConfig config) {
        return new InMemoryMailboxBudget(Clock.systemUTC(), config.budget().slotLease());
    }
}
