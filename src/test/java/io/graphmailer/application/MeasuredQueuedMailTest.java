package io.graphmailer.application;

import io.graphmailer.application.port.in.ProcessQueuedMailUseCase;
import io.graphmailer.application.port.out.Telemetry;
import io.graphmailer.domain.BodyType;
import io.graphmailer.domain.EmailAddress;
import io.graphmailer.domain.EmailMessage;
import io.graphmailer.domain.Importance;
import io.graphmailer.domain.MailLimits;
import io.graphmailer.domain.Mailbox;
import io.graphmailer.domain.QueueOutcome;
import io.graphmailer.domain.QueuedMail;
import io.graphmailer.domain.SendMailCommand;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** Waits for a budget limit are counted by the limit the outcome names, whatever its wording; other deferrals are not. */
class MeasuredQueuedMailTest {
    private final List<String> waits = new ArrayList<>();
    /** Telemetry.NONE, except that it notes each wait for a limit. */
    private final Telemetry telemetry = (Telemetry) java.lang.reflect.Proxy.newProxyInstance(Telemetry.class.getClassLoader(),
            new Class<?>[] {Telemetry.class}, (proxy, method, args) -> {
                if (method.getName().equals("waitingForLimit")) {
                    waits.add(args[0] + " " + args[1]);
                    return null;
                }
                return method.invoke(Telemetry.NONE, args);
            });

    @Test
    void givenBudgetWaitsAndAClaimDeferral_thenEachBudgetWaitIsCountedForItsLimit() {
        List<QueueOutcome> outcomes = List.of(
                QueueOutcome.waitingForBudget("messages-per-minute", "waiting in line: ticket 3", Duration.ofSeconds(4)),
                QueueOutcome.waitingForBudget("concurrent-sends", "4 sends in flight", Duration.ofSeconds(1)),
                // Worded like a budget wait, but a claim deferral: not a wait for a limit.
                new QueueOutcome(QueueOutcome.Kind.DEFERRED, "waiting for the mailbox's recipients-per-day budget", Duration.ofSeconds(1)));
        for (QueueOutcome outcome : outcomes) {
            ProcessQueuedMailUseCase deferring = new ProcessQueuedMailUseCase() {
                @Override
                public QueueOutcome process(QueuedMail mail) {
                    return outcome;
                }

                @Override
                public QueueOutcome reject(String original, String code, String reason) {
                    throw new AssertionError();
                }
            };
            new MeasuredQueuedMail(deferring, telemetry).process(mail());
        }
        assertThat(waits).containsExactly("noreply@contoso.com messages-per-minute", "noreply@contoso.com concurrent-sends");
    }

    private static QueuedMail mail() {
        EmailMessage m = new EmailMessage("s", BodyType.TEXT, "c", List.of(new EmailAddress("ops@fabrikam.example", null)), List.of(),
                List.of(), List.of(), null, Importance.NORMAL, List.of(), List.of(), List.of(), false, false);
        return new QueuedMail(new SendMailCommand(new Mailbox("noreply@contoso.com"), m, true, MailLimits.DEFAULT), "k-1", 0, "{}");
    }
}
