package io.graphmailer.adapter.in.http;

import com.azure.data.tables.TableClient;
import com.azure.data.tables.TableClientBuilder;
import io.graphmailer.adapter.out.storage.TableMailboxBudget;
import io.graphmailer.application.AttachmentResolver;
import io.graphmailer.application.PerMailboxLimiter;
import io.graphmailer.application.SendMailService;
import io.graphmailer.application.port.out.MailTransport;
import io.graphmailer.domain.BodyType;
import io.graphmailer.domain.EmailAddress;
import io.graphmailer.domain.EmailMessage;
import io.graphmailer.domain.MailLimits;
import io.graphmailer.domain.Mailbox;
import io.graphmailer.domain.SendMailCommand;
import io.graphmailer.domain.SenderPolicy;
import io.graphmailer.domain.SmtpMailboxes;
import io.graphmailer.domain.budget.BudgetLimit;
import io.graphmailer.domain.budget.BudgetUnavailableException;
import io.graphmailer.domain.budget.MailboxBudgetExceededException;
import io.graphmailer.domain.budget.MailboxBudgetPolicy;
import io.graphmailer.domain.budget.MailboxLimits;
import io.graphmailer.support.Azurite;
import io.graphmailer.support.SettableClock;
import io.graphmailer.support.TcpProxy;
import jakarta.ws.rs.core.Response;
import org.junit.jupiter.api.Test;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.stream.IntStream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The HTTP send over the shared budget in Azurite's Table service (issue 13): the 24-hour recipient window frees when
 * its time comes, and a budget store cut off mid-run (a TCP relay on 127.0.0.1 in front of the table service) is
 * answered per GRAPH_MAILER_BUDGET_UNAVAILABLE_HTTP.
 */
class HttpSendOverTheSharedBudgetTest {
    private static final String TABLE = "httpbudget";

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


    private SendMailService service(TableMailboxBudget budget, MailboxBudgetPolicy policy, String sender, Clock clock, boolean local) {
        return new SendMailService(new SenderPolicy(List.of(sender)), transport, new PerMailboxLimiter(4), AttachmentResolver.none(),
                budget, policy, new SendMailService.HttpBudget(Duration.ZERO, local, clock, Duration.ofMinutes(5)), null);
    }

    private static SendMailCommand message(String sender, int recipients) {
        List<EmailAddress> to = IntStream.range(0, recipients).mapToObj(i -> new EmailAddress("r" + i + "@fabrikam.example", null)).toList();
        return new SendMailCommand(new Mailbox(sender), new EmailMessage("s", BodyType.TEXT, "c", to, List.of(), List.of(), List.of(),
                null, null, List.of(), List.of(), List.of(), false, false), true, MailLimits.DEFAULT);
    }

    private static TableMailboxBudget tableBudget(int tablePort, Clock clock) {
        TableClient c = new TableClientBuilder().connectionString("DefaultEndpointsProtocol=http;AccountName=" + Azurite.ACCOUNT
                + ";AccountKey=" + Azurite.KEY + ";TableEndpoint=http://127.0.0.1:" + tablePort + "/" + Azurite.ACCOUNT + ";")
                .tableName(TABLE).buildClient();
        return new TableMailboxBudget(() -> c, clock, Duration.ofMinutes(5), m -> List.of());
    }

    @Test
    void givenTheDailyRecipientsUsedUp_thenA429WithTheExactRetryAfterAndSentAgainOnceTheWindowFrees() {
        String sender = "daily-" + UUID.randomUUID().toString().substring(0, 8) + "@contoso.example";
        MailboxBudgetPolicy tenADay = new MailboxBudgetPolicy(new MailboxLimits(4, 30, 10, 10_000), 3, 0, List.of(), SmtpMailboxes.NONE);
        Instant t0 = Instant.now().truncatedTo(ChronoUnit.MINUTES).plusSeconds(20);
        SettableClock clock = new SettableClock(t0);
        SendMailService service = service(tableBudget(Azurite.shared().tablePort(), clock), tenADay, sender, clock, false);

        service.send(message(sender, 8));
        clock.set(t0.plus(Duration.ofHours(3)));
        service.send(message(sender, 2));
        assertThat(sent).hasSize(2);

        // The 8 of t0's minute leave at the end of that minute plus 24 hours; the next message waits exactly that long.
        Instant frees = t0.truncatedTo(ChronoUnit.MINUTES).plusSeconds(60).plus(Duration.ofHours(24));
        clock.set(t0.plus(Duration.ofHours(23)));
        assertThatThrownBy(() -> service.send(message(sender, 3)))
                .isInstanceOfSatisfying(MailboxBudgetExceededException.class, e -> {
                    assertThat(e.limit()).isEqualTo(BudgetLimit.RECIPIENTS_PER_DAY);
                    assertThat(e.retryAt()).isEqualTo(frees);
                    assertThat(e.retryAfterSeconds(clock.instant())).isEqualTo(Duration.between(clock.instant(), frees).toSeconds());
                });
        clock.set(frees.minusMillis(1));
        assertThatThrownBy(() -> service.send(message(sender, 3))).isInstanceOf(MailboxBudgetExceededException.class);
        clock.set(frees);
        service.send(message(sender, 3));
        assertThat(sent).as("sent once the 24-hour window freed").hasSize(3);
    }

    @Test
    void givenTheBudgetStoreCutOff_thenRefuseAnswers503WithRetryAfterAndLocalSends() throws Exception {
        String sender = "outage-" + UUID.randomUUID().toString().substring(0, 8) + "@contoso.example";
        MailboxBudgetPolicy policy = new MailboxBudgetPolicy(new MailboxLimits(4, 30, 10_000, 10_000), 3, 0, List.of(), SmtpMailboxes.NONE);
        Clock clock = Clock.systemUTC();
        try (TcpProxy relay = new TcpProxy(Azurite.shared().tablePort())) {
            TableMailboxBudget budget = tableBudget(relay.port(), clock);
            budget.createIfMissing();
            SendMailService refuse = service(budget, policy, sender, clock, false);
            SendMailService local = service(budget, policy, sender, clock, true);
            refuse.send(message(sender, 1));
            assertThat(sent).as("sent while the store is reachable").hasSize(1);

            relay.down();
            BudgetUnavailableException refused = org.junit.jupiter.api.Assertions.assertThrows(BudgetUnavailableException.class,
                    () -> refuse.send(message(sender, 1)));
            Response r = new ProblemMappers().budgetUnavailable(refused, null);
            assertThat(r.getStatus()).isEqualTo(503);
            assertThat(r.getHeaderString("Retry-After")).isEqualTo("30");
            assertThat(sent).as("nothing sent under refuse").hasSize(1);

            local.send(message(sender, 1));
            assertThat(sent).as("sent within this process's own budget under local").hasSize(2);

            relay.up();
            refuse.send(message(sender, 1));
            assertThat(sent).as("the shared store again once it is back").hasSize(3);
        }
    }
}
