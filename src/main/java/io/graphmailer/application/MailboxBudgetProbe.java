package io.graphmailer.application;

import io.graphmailer.application.port.in.MailboxBudgetsUseCase;
import io.graphmailer.application.port.out.DiagnosticProbe;
import io.graphmailer.domain.DiagnosticCheck;
import io.graphmailer.domain.budget.BudgetLimit;
import io.graphmailer.domain.budget.BudgetUnavailableException;
import io.graphmailer.domain.budget.MailboxUsage;

import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;

/**
 * The doctor's look at each mailbox's daily recipient budget: a warning from 80 % used, a failure when it is used up
 * (with the time it frees), since past Exchange's own limit the mailbox is blocked for every application.
 */
public final class MailboxBudgetProbe implements DiagnosticProbe {
    /** From this share of the daily recipient budget on, the doctor warns. */
    public static final double WARN_SHARE = 0.8;

    private final MailboxBudgetsUseCase budgets;

    public MailboxBudgetProbe(MailboxBudgetsUseCase budgets) {
        this.budgets = budgets;
    }

    @Override
    public String area() {
        return "mailbox budget";
    }

    @Override
    public List<DiagnosticCheck> run() {
        List<MailboxBudgetsUseCase.MailboxBudgetView> views;
        try {
            views = budgets.mailboxes();
        } catch (BudgetUnavailableException e) {
            return List.of(DiagnosticCheck.fail("mailbox budget", "the budget store cannot be reached: " + e.getMessage(),
                    "check the storage account's table endpoint and the app identity's Storage Table Data Contributor role",
                    "infrastructure team"));
        }
        List<DiagnosticCheck> checks = new ArrayList<>();
        for (MailboxBudgetsUseCase.MailboxBudgetView view : views) {
            checks.add(check(view));
        }
        return checks;
    }

    private static DiagnosticCheck check(MailboxBudgetsUseCase.MailboxBudgetView view) {
        MailboxUsage u = view.usage();
        String name = "daily recipient budget of " + view.mailbox();
        int used = u.recipientsLastDay();
        int limit = u.limits().recipientsPerDay();
        long percent = Math.round(u.dailyShare() * 100);
        String use = used + " of " + limit + " recipients in the last 24 hours (" + percent + " %)";
        Instant frees = u.nextFree().get(BudgetLimit.RECIPIENTS_PER_DAY);
        if (used >= limit || frees != null) {
            return DiagnosticCheck.fail(name, use + "; sends wait (queue, jobs) or are answered 429 (HTTP) until "
                            + (frees == null ? "the window frees" : frees.truncatedTo(ChronoUnit.SECONDS).toString()),
                    "spread the mailbox's sends, or raise its limit if Exchange's RecipientLimitPerDay allows (GRAPH_MAILER_BUDGET_OVERRIDES)",
                    "app team");
        }
        if (u.dailyShare() >= WARN_SHARE) {
            return DiagnosticCheck.warn(name, use + "; at 100 % sends wait until the oldest recipients leave the 24-hour window",
                    "spread the mailbox's sends, or raise its limit if Exchange's RecipientLimitPerDay allows (GRAPH_MAILER_BUDGET_OVERRIDES)",
                    "app team");
        }
        return DiagnosticCheck.ok(name, use);
    }
}
