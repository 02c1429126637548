package io.graphmailer.application;

import com.azure.data.tables.TableClientBuilder;
import io.graphmailer.adapter.out.storage.TableSendLedger;
import io.graphmailer.application.port.out.MailQueue;
import io.graphmailer.application.port.out.MailTransport;
import io.graphmailer.domain.BodyType;
import io.graphmailer.domain.EmailAddress;
import io.graphmailer.domain.EmailMessage;
import io.graphmailer.domain.Importance;
import io.graphmailer.domain.MailLimits;
import io.graphmailer.domain.Mailbox;
import io.graphmailer.domain.QueueOutcome;
import io.graphmailer.domain.QueuedMail;
import io.graphmailer.domain.SendMailCommand;
import io.graphmailer.domain.SenderPolicy;
import io.graphmailer.support.Azurite;
import org.junit.jupiter.api.Test;

import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A send that outlasts one lease (a large draft upload) keeps its claim: two workers share one ledger in Azurite's Table
 * service, the first one's send takes three leases, and the second one's delivery meanwhile is put back, never sent.
 */
class LeaseRenewalTest {
    private static final String SENDER = "noreply@contoso.example";
    private static final Duration LEASE = Duration.ofSeconds(2);

    private final AtomicInteger sends = new AtomicInteger();
    private final AtomicInteger requeues = new AtomicInteger();

    @Test
    void givenASendLongerThanItsLease_thenTheLeaseIsRenewedAndASecondDeliveryIsPutBackNotSent() throws Exception {
        TableSendLedger ledger = new TableSendLedger(new TableClientBuilder().connectionString(Azurite.shared().connectionString())
                .tableName("leaserenewal").buildClient(), Clock.systemUTC());
        ledger.createIfMissing();
        CountDownLatch sending = new CountDownLatch(1);
        CountDownLatch finish = new CountDownLatch(1);
        MailTransport slow = transport(() -> {
            sending.countDown();
            await(finish);
        });
        MailTransport quick = transport(() -> { });
        QueuedSendService first = worker(slow, ledger);
        QueuedSendService second = worker(quick, ledger);
        QueuedMail mail = mail("renewal-" + UUID.randomUUID());

        ExecutorService pool = Executors.newSingleThreadExecutor();
        Future<QueueOutcome> firstOutcome = pool.submit(() -> first.process(mail));
        assertThat(sending.await(30, TimeUnit.SECONDS)).isTrue();
        Thread.sleep(LEASE.multipliedBy(3).toMillis()); // without renewal the first claim would have run out by now

        QueueOutcome during = second.process(mail);
        assertThat(during.kind()).as("the first worker still holds the claim").isEqualTo(QueueOutcome.Kind.DEFERRED);

        finish.countDown();
        assertThat(firstOutcome.get(30, TimeUnit.SECONDS).kind()).isEqualTo(QueueOutcome.Kind.SENT);
        pool.shutdown();
        assertThat(second.process(mail).kind()).isEqualTo(QueueOutcome.Kind.ALREADY_SENT);
        assertThat(sends.get()).as("sent once").isEqualTo(1);
        assertThat(requeues.get()).as("the second delivery was put back").isEqualTo(1);
    }

    private QueuedSendService worker(MailTransport transport, TableSendLedger ledger) {
        MailQueue queue = new MailQueue() {
            @Override
            public void requeue(String message, Duration delay) {
                requeues.incrementAndGet();
            }

            @Override
            public void deadLetter(String original, String code, String reason) {
                throw new AssertionError("no dead letter expected: " + reason);
            }

            @Override
            public void poison(String original, String code, String reason) {
                throw new AssertionError("no poison expected: " + reason);
            }
        };
        // Policy resend: had the claim run out, the second worker would have sent the message again.
        QueuedSendService.Settings settings = new QueuedSendService.Settings(QueuedSendService.UnknownOutcomePolicy.RESEND, 5,
                Duration.ofSeconds(1), Duration.ofSeconds(10), LEASE, Duration.ofSeconds(1), QueuedSendService.UnknownOutcomePolicy.RESEND);
        return new QueuedSendService(new SenderPolicy(List.of(SENDER)), transport, ledger, queue, (o, k, a) -> o,
                new PerMailboxLimiter(4), settings, Clock.systemUTC());
    }

    private MailTransport transport(Runnable during) {
        return new MailTransport() {
            @Override
            public void send(SendMailCommand command, String trackingId) {
                sends.incrementAndGet();
                during.run();
            }

            @Override
            public String name() {
                return "counting";
            }
        };
    }

    private static QueuedMail mail(String key) {
        EmailMessage m = new EmailMessage("s", BodyType.TEXT, "c", List.of(new EmailAddress("ops@fabrikam.example", null)), List.of(),
                List.of(), List.of(), null, Importance.NORMAL, List.of(), List.of(), List.of(), false, false);
        return new QueuedMail(new SendMailCommand(new Mailbox(SENDER), m, true, MailLimits.DEFAULT), key, 0, "{\"envelope\":\"" + key + "\"}");
    }

    private static void await(CountDownLatch latch) {
        try {
            latch.await(60, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
