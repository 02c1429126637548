package io.graphmailer.application;

import io.graphmailer.application.port.out.MailTransport;
import io.graphmailer.application.port.out.MailboxBudget;
import io.graphmailer.domain.EmailAddress;
import io.graphmailer.domain.EmailMessage;
import io.graphmailer.domain.MailLimits;
import io.graphmailer.domain.Mailbox;
import io.graphmailer.domain.SendMailCommand;
import io.graphmailer.domain.SenderPolicy;
import io.graphmailer.domain.SmtpMailboxes;
import io.graphmailer.domain.budget.Admission;
import io.graphmailer.domain.budget.Claimant;
import io.graphmailer.domain.budget.BudgetLimit;
import io.graphmailer.domain.budget.BudgetUnavailableException;
import io.graphmailer.domain.budget.MailboxBudgetExceededException;
import io.graphmailer.domain.budget.MailboxBudgetPolicy;
import io.graphmailer.domain.budget.MailboxLimits;
import io.graphmailer.domain.budget.MailboxUsage;
import io.graphmailer.domain.budget.Permit;
import io.graphmailer.domain.budget.SendCost;
import io.graphmailer.support.LogCapture;
import org.junit.jupiter.api.Test;

import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The HTTP send's answer when the shared budget store cannot be reached: GRAPH_MAILER_BUDGET_UNAVAILABLE_HTTP. */
class SendMailBudgetTest {
    private static final String SENDER = "noreply@contoso.example";
    /** Two messages a minute, so the local budget's own limit shows. */
    private static final MailboxBudgetPolicy TWO_A_MINUTE = new MailboxBudgetPolicy(new MailboxLimits(4, 2, 10_000, 10_000), 3, 0,
            List.of(), SmtpMailboxes.NONE);

    private final List<SendMailCommand> sent = new ArrayList<>();
    private final MailTransport transport = new MailTransport() {
        @Override
        public void send(SendMailCommand command, String trackingId) {
            sent.add(command);
        }

        @Override
        public String name() {
            return "recording";
        }
    };

    /** The shared store during an outage: every call fails as a store adapter reports it. */
    private static final MailboxBudget UNREACHABLE = new MailboxBudget() {
        @Override
        public Admission admit(Mailbox mailbox, MailboxLimits limits, SendCost cost, Claimant claimant) {
            throw new BudgetUnavailableException("budget table: connection refused", null);
        }

        @Override
        public void release(Permit permit, boolean sent) {
            throw new AssertionError("nothing was admitted by the unreachable store");
        }

        @Override
        public MailboxUsage usage(Mailbox mailbox, MailboxLimits limits) {
            throw new BudgetUnavailableException("budget table: connection refused", null);
        }
    };

    private SendMailService service(boolean local) {
        return new SendMailService(new SenderPolicy(List.of(SENDER)), transport, new PerMailboxLimiter(4), AttachmentResolver.none(),
                UNREACHABLE, TWO_A_MINUTE, new SendMailService.HttpBudget(Duration.ZERO, local, Clock.systemUTC(), Duration.ofMinutes(5)), null);
    }

    private static SendMailCommand message() {
        return new SendMailCommand(new Mailbox(SENDER), new EmailMessage("s", io.graphmailer.domain.BodyType.TEXT, "c",
                List.of(new EmailAddress("ops@fabrikam.example", null)), List.of(), List.of(), List.of(), null, null, List.of(), List.of(),
                List.of(), false, false), true, MailLimits.DEFAULT);
    }

    @Test
    void givenTheBudgetStoreUnreachableAndRefuse_thenTheSendIsRefusedAndNothingIsSent() {
        assertThatThrownBy(() -> service(false).send(message()))
                .isInstanceOf(BudgetUnavailableException.class);
        assertThat(sent).isEmpty();
    }

    @Test
    void givenTheBudgetStoreUnreachableAndLocal_thenSentWithinThisProcesssBudgetWithAWarningEachTime() {
        SendMailService service = service(true);
        try (LogCapture log = LogCapture.start()) {
            service.send(message());
            service.send(message());

            // The local budget still holds this process to the mailbox's limits: a third message this minute waits.
            assertThatThrownBy(() -> service.send(message()))
                    .isInstanceOfSatisfying(MailboxBudgetExceededException.class,
                            e -> assertThat(e.limit()).isEqualTo(BudgetLimit.MESSAGES_PER_MINUTE));
            assertThat(sent).hasSize(2);
            assertThat(log.lines().stream().filter(l -> l.contains("budget store unreachable")
                    && l.contains("GRAPH_MAILER_BUDGET_UNAVAILABLE_HTTP=local"))).hasSize(3);
        }
    }
}
