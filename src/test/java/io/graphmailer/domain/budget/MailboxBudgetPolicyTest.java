package io.graphmailer.domain.budget;

import io.graphmailer.domain.Mailbox;
import io.graphmailer.domain.SmtpMailboxes;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class MailboxBudgetPolicyTest {

    @Test
    void givenDefaults_thenGraphMailboxesGetFourSlotsSmtpThreeAndTheDailyLimitLessTheMargin() {
        MailboxBudgetPolicy policy = new MailboxBudgetPolicy(MailboxBudgetPolicy.EXCHANGE_DEFAULTS, 3, 500, List.of(),
                SmtpMailboxes.of(List.of("legacy@contoso.com")));
        assertThat(policy.limitsFor(new Mailbox("noreply@contoso.com"))).isEqualTo(new MailboxLimits(4, 30, 9_500, 10_000));
        assertThat(policy.limitsFor(new Mailbox("Legacy@Contoso.com"))).isEqualTo(new MailboxLimits(3, 30, 9_500, 10_000));
    }

    @Test
    void givenAnOverrideInAnotherSpelling_thenItAppliesToThatMailboxOnly() {
        MailboxBudgetPolicy policy = new MailboxBudgetPolicy(MailboxBudgetPolicy.EXCHANGE_DEFAULTS, 3, 500,
                List.of("HVE@contoso.com/messages-per-minute=100", "hve@CONTOSO.com/recipients-per-day=2000"), SmtpMailboxes.NONE);
        assertThat(policy.limitsFor(new Mailbox("hve@contoso.com"))).isEqualTo(new MailboxLimits(4, 100, 1_500, 10_000));
        assertThat(policy.limitsFor(new Mailbox("other@contoso.com"))).isEqualTo(new MailboxLimits(4, 30, 9_500, 10_000));
    }

    @Test
    void givenMalformedOverrides_thenEachIsRefusedNamingTheEntry() {
        for (String bad : List.of("hve@contoso.com=5", "hve@contoso.com/speed=5", "hve@contoso.com/messages-per-minute=x",
                "not-a-mailbox/messages-per-minute=5", "hve@contoso.com/recipients-per-day=400")) {
            assertThatThrownBy(() -> new MailboxBudgetPolicy(MailboxBudgetPolicy.EXCHANGE_DEFAULTS, 3, 500, List.of(bad), SmtpMailboxes.NONE))
                    .as(bad).isInstanceOf(IllegalArgumentException.class);
        }
    }
}
