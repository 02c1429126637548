package io.graphmailer.application;

import io.graphmailer.application.port.out.MailboxBudget;
import io.graphmailer.domain.Mailbox;
import io.graphmailer.domain.budget.Admission;
import io.graphmailer.domain.budget.BudgetWindow;
import io.graphmailer.domain.budget.Claimant;
import io.graphmailer.domain.budget.MailboxLimits;
import io.graphmailer.domain.budget.MailboxUsage;
import io.graphmailer.domain.budget.Permit;
import io.graphmailer.domain.budget.SendCost;

import java.time.Clock;
import java.time.Duration;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The budget of one process (local dev, the outbox transport, a single instance): the same decisions as the shared
 * store, kept in memory, so it holds only inside this process. Here beside {@link PerMailboxLimiter} because it needs
 * no SDK; the shared store is an adapter.
 */
public final class InMemoryMailboxBudget implements MailboxBudget {
    private final ConcurrentHashMap<String, BudgetWindow> windows = new ConcurrentHashMap<>();
    private final Clock clock;
    private final Duration slotLease;

    public InMemoryMailboxBudget(Clock clock, Duration slotLease) {
        this.clock = clock;
        this.slotLease = slotLease;
    }

    @Override
    public Admission admit(Mailbox mailbox, MailboxLimits limits, SendCost cost, Claimant claimant) {
        BudgetWindow w = windows.computeIfAbsent(mailbox.key(), k -> BudgetWindow.empty());
        synchronized (w) {
            return w.admit(mailbox, limits, cost, clock.instant(), slotLease, () -> UUID.randomUUID().toString(), claimant);
        }
    }

    @Override
    public void release(Permit permit, boolean sent) {
        BudgetWindow w = windows.get(permit.mailbox().key());
        if (w != null) {
            synchronized (w) {
                w.release(permit, sent, clock.instant());
            }
        }
    }

    @Override
    public MailboxUsage usage(Mailbox mailbox, MailboxLimits limits) {
        BudgetWindow w = windows.computeIfAbsent(mailbox.key(), k -> BudgetWindow.empty());
        synchronized (w) {
            return w.usage(limits, clock.instant());
        }
    }
}
