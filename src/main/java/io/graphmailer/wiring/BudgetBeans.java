package io.graphmailer.wiring;

import io.graphmailer.adapter.out.storage.TableMailboxBudget;
import io.graphmailer.application.InMemoryMailboxBudget;
import io.graphmailer.application.port.out.MailboxBudget;
import io.graphmailer.config.GraphMailerConfig;
import io.graphmailer.domain.SmtpMailboxes;
import io.graphmailer.domain.budget.MailboxBudgetPolicy;
import io.graphmailer.domain.budget.MailboxLimits;
import jakarta.enterprise.inject.Instance;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;

import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.logging.Logger;

/** The mailbox budget: its limits from the settings, and the store that keeps its state. */
@Singleton
public class BudgetBeans {
    private static final Logger LOG = Logger.getLogger(BudgetBeans.class.getName());

    @Produces
    @Singleton
    MailboxBudgetPolicy mailboxBudgetPolicy(GraphMailerConfig config, SmtpMailboxes smtpMailboxes) {
        GraphMailerConfig.Budget b = config.budget();
        return new MailboxBudgetPolicy(new MailboxLimits(b.concurrentSendsGraph(), b.messagesPerMinute(), b.recipientsPerDay(),
                b.graphRequestsPerTenMinutes()), b.concurrentSendsSmtp(), b.recipientsSafetyMargin(), b.overrides().orElse(List.of()),
                smtpMailboxes);
    }

    /** The shared table whenever the app runs with storage (setting {@code auto}); this process's memory otherwise. */
    @Produces
    @Singleton
    MailboxBudget mailboxBudget(GraphMailerConfig config, Instance<TableMailboxBudget> table) {
        boolean shared = sharedStore(config, System.getenv());
        LOG.info(() -> "mailbox budget: " + (shared ? "shared table " + config.budget().table() : "this process only (in memory)"));
        return shared ? table.get() : new InMemoryMailboxBudget(Clock.systemUTC(), config.budget().slotLease());
    }

    /** Whether the budget is the shared table: {@code table}, or {@code auto} with storage and not the outbox transport. */
    static boolean sharedStore(GraphMailerConfig config, Map<String, String> env) {
        return SharedStores.shared(config.budget().store(), config, env);
    }
}
