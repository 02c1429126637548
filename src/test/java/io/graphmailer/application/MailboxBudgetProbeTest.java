package io.graphmailer.application;

import io.graphmailer.domain.DiagnosticCheck;
import io.graphmailer.domain.Mailbox;
import io.graphmailer.domain.SenderPolicy;
import io.graphmailer.domain.SmtpMailboxes;
import io.graphmailer.domain.budget.Admission;
import io.graphmailer.domain.budget.MailboxBudgetPolicy;
import io.graphmailer.domain.budget.MailboxLimits;
import io.graphmailer.domain.budget.SendCost;
import org.junit.jupiter.api.Test;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** The doctor's daily recipient check on the in-process budget: OK below 80 %, WARN from 80 %, FAIL at 100 % with the time it frees. */
class MailboxBudgetProbeTest {
    private static final Instant NOW = Instant.parse("2026-12-01T10:15:30Z");
    private static final Mailbox REPORTS = new Mailbox("reports@contoso.example");
    /** Ten recipients a day, no margin. */
    private final MailboxBudgetPolicy policy = new MailboxBudgetPolicy(new MailboxLimits(4, 30, 10, 10_000), 3, 0, List.of(), SmtpMailboxes.NONE);
    private final InMemoryMailboxBudget budget = new InMemoryMailboxBudget(Clock.fixed(NOW, ZoneOffset.UTC), Duration.ofMinutes(5));
    private final MailboxBudgetProbe probe = new MailboxBudgetProbe(
            new MailboxBudgetsService(new SenderPolicy(List.of(REPORTS.id())), budget, policy, SmtpMailboxes.NONE));

    private void send(int recipients) {
        Admission a = budget.admit(REPORTS, policy.limitsFor(REPORTS), new SendCost(recipients, 1));
        budget.release(((Admission.Granted) a).permit(), true);
    }

    @Test
    void givenSeventyNinePercentUsed_thenOk() {
        send(7);
        DiagnosticCheck check = probe.run().get(0);
        assertThat(check.status()).isEqualTo(DiagnosticCheck.Status.OK);
        assertThat(check.detail()).contains("7 of 10 recipients");
    }

    @Test
    void givenEightyPercentOfTheDailyRecipientBudgetUsed_thenAWarningNamingTheMailboxAndTheShare() {
        send(8);
        DiagnosticCheck check = probe.run().get(0);
        assertThat(check.status()).isEqualTo(DiagnosticCheck.Status.WARN);
        assertThat(check.name()).contains("reports@contoso.example");
        assertThat(check.detail()).contains("8 of 10 recipients").contains("80 %");
    }

    @Test
    void givenTheDailyBudgetUsedUp_thenAFailureNamingTheTimeItFrees() {
        send(8);
        send(2);
        DiagnosticCheck check = probe.run().get(0);
        assertThat(check.status()).isEqualTo(DiagnosticCheck.Status.FAIL);
        // Counted in NOW's minute (10:15): it leaves the 24-hour window at the end of that minute plus 24 hours.
        assertThat(check.detail()).contains("10 of 10 recipients").contains("until 2026-12-02T10:16:00Z");
        assertThat(check.fix()).contains("GRAPH_MAILER_BUDGET_OVERRIDES");
    }
}
