package io.graphmailer.application;

import io.graphmailer.application.port.out.EnvelopeWriter;
import io.graphmailer.application.port.out.MailQueue;
import io.graphmailer.application.port.out.MailTransport;
import io.graphmailer.domain.QueueOutcome;
import io.graphmailer.domain.QueuedMail;
import io.graphmailer.domain.SendMailCommand;
import io.graphmailer.domain.SenderPolicy;
import io.graphmailer.domain.SmtpMailboxes;
import io.graphmailer.domain.MailLimits;
import io.graphmailer.domain.budget.MailboxBudgetPolicy;
import io.graphmailer.domain.budget.MailboxLimits;
import io.graphmailer.domain.delivery.DeliveryEvent;
import io.graphmailer.domain.delivery.DeliveryState;
import io.graphmailer.domain.TrackingId;
import io.graphmailer.format.graph.SendMailRequestParser;
import io.graphmailer.format.outbox.OutboxEnvelope;
import org.junit.jupiter.api.Test;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A queued message that waits for the mailbox budget again and again (a holder a little short, a waiter past the line)
 * is written down once per limit: under a backlog those repeated ledger and delivery-log writes were most of a
 * message's storage calls. Through the outbox envelope as the queue carries it.
 */
class QueuedBudgetWaitTest {
    private static final String SENDER = "noreply@contoso.com";
    private static final OutboxEnvelope ENVELOPES = new OutboxEnvelope(new SendMailRequestParser(MailLimits.DEFAULT));
    private static final EnvelopeWriter WRITER = new EnvelopeWriter() {
        @Override
        public String nextAttempt(String original, String key, int attempt) {
            return OutboxEnvelope.nextAttempt(original, key, attempt);
        }

        @Override
        public String waitingFor(String original, String key, int attempt, String limit) {
            return OutboxEnvelope.nextAttempt(original, key, attempt, limit);
        }
    };

    private final List<String> requeued = new ArrayList<>();
    private final AtomicInteger ledgerWaits = new AtomicInteger();
    private final AtomicInteger sends = new AtomicInteger();
    private final InMemoryDeliveryLog log = new InMemoryDeliveryLog(100);

    @Test
    void givenAMessageThatWaitsForTheSameLimitThreeTimes_thenTheLedgerAndTheLogHaveTheWaitOnceAndItIsSentOnce() {
        java.util.concurrent.atomic.AtomicReference<Instant> now = new java.util.concurrent.atomic.AtomicReference<>(
                Instant.parse("2026-12-01T10:00:00Z"));
        Clock clock = new Clock() {
            @Override
            public ZoneOffset getZone() {
                return ZoneOffset.UTC;
            }

            @Override
            public Clock withZone(java.time.ZoneId zone) {
                return this;
            }

            @Override
            public Instant instant() {
                return now.get();
            }
        };
        // One message a minute: the first message fills the minute, the second waits in line.
        MailboxBudgetPolicy oneAMinute = new MailboxBudgetPolicy(new MailboxLimits(4, 1, 10_000, 10_000), 3, 0, List.of(),
                SmtpMailboxes.NONE);
        QueuedSendService service = service(clock, new InMemoryMailboxBudget(clock, Duration.ofMinutes(5)), oneAMinute);
        assertThat(service.process(ENVELOPES.read(envelope("first"))).kind()).isEqualTo(QueueOutcome.Kind.SENT);

        QueuedMail waiting = ENVELOPES.read(envelope("second"));
        for (int i = 0; i < 3; i++) {
            QueueOutcome outcome = service.process(waiting);
            assertThat(outcome.kind()).isEqualTo(QueueOutcome.Kind.DEFERRED);
            assertThat(outcome.waitingFor()).as("the outcome names the limit, for telemetry").isEqualTo("messages-per-minute");
            assertThat(requeued).hasSize(i + 1);
            waiting = ENVELOPES.read(requeued.get(i)); // back from the queue, as the next delivery
            assertThat(waiting.waitingFor()).as("the envelope notes the limit it waits for").isEqualTo("messages-per-minute");
        }
        assertThat(ledgerWaits.get()).as("ledger writes for three waits for one limit").isEqualTo(1);
        List<DeliveryEvent> history = log.find(TrackingId.fromIdempotencyKey(waiting.idempotencyKey())).orElseThrow().history();
        assertThat(history.stream().filter(e -> e.state() == DeliveryState.WAITING)).hasSize(1);
        assertThat(history.stream().filter(e -> e.state() == DeliveryState.ACCEPTED)).as("first sight recorded once").hasSize(1);

        // A minute later it fits: sent once, and the producer's envelope (what a dead-letter entry would keep) has no bookkeeping.
        now.set(now.get().plusSeconds(61));
        assertThat(service.process(waiting).kind()).isEqualTo(QueueOutcome.Kind.SENT);
        assertThat(sends.get()).isEqualTo(2);
        assertThat(waiting.original()).doesNotContain("waitingFor");
    }

    @Test
    void givenAnEnvelopePutBackForAnotherReason_thenItNoLongerSaysItWaitsForALimit() {
        String waited = OutboxEnvelope.nextAttempt(envelope("x"), "key-x", 0, "messages-per-minute");
        assertThat(ENVELOPES.read(waited).waitingFor()).isEqualTo("messages-per-minute");
        String retried = OutboxEnvelope.nextAttempt(ENVELOPES.read(waited).original(), "key-x", 1);
        assertThat(ENVELOPES.read(retried).waitingFor()).isNull();
        assertThat(ENVELOPES.read(envelope("y")).waitingFor()).as("a producer's envelope").isNull();
    }

    private QueuedSendService service(Clock clock, InMemoryMailboxBudget budget, MailboxBudgetPolicy policy) {
        MailQueue queue = new MailQueue() {
            @Override
            public void requeue(String message, Duration delay) {
                requeued.add(message);
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
        JobUseCasesTest.InMemoryLedger entries = new JobUseCasesTest.InMemoryLedger();
        io.graphmailer.application.port.out.SendLedger ledger = new io.graphmailer.application.port.out.SendLedger() {
            @Override
            public Start start(String key, String trackingId, Instant leaseUntil) {
                return entries.start(key, trackingId, leaseUntil);
            }

            @Override
            public io.graphmailer.domain.LedgerEntry recordAttempt(io.graphmailer.domain.LedgerEntry previous, Instant leaseUntil) {
                return entries.recordAttempt(previous, leaseUntil);
            }

            @Override
            public io.graphmailer.domain.LedgerEntry renewLease(io.graphmailer.domain.LedgerEntry current, Instant leaseUntil) {
                return entries.renewLease(current, leaseUntil);
            }

            @Override
            public void recordOutcome(io.graphmailer.domain.LedgerEntry entry) {
                entries.recordOutcome(entry);
            }

            @Override
            public void recordWaiting(String key, String trackingId, String mailbox, String limit, String reason) {
                ledgerWaits.incrementAndGet();
            }
        };
        MailTransport transport = new MailTransport() {
            @Override
            public void send(SendMailCommand command, String trackingId) {
                sends.incrementAndGet();
            }

            @Override
            public String name() {
                return "counting";
            }
        };
        QueuedSendService.Settings settings = new QueuedSendService.Settings(QueuedSendService.UnknownOutcomePolicy.RESEND, 5,
                Duration.ofSeconds(1), Duration.ofSeconds(10), Duration.ofMinutes(1), Duration.ofSeconds(1),
                QueuedSendService.UnknownOutcomePolicy.RESEND);
        return new QueuedSendService(new SenderPolicy(List.of(SENDER)), transport, ledger, queue, WRITER, new PerMailboxLimiter(4),
                settings, clock, AttachmentResolver.none(), io.graphmailer.application.port.out.SentMessageLookup.NONE, budget, policy,
                new DeliveryRecorder(log, false, clock));
    }

    private static String envelope(String subject) {
        return "{\"version\":1,\"mailbox\":\"" + SENDER + "\",\"sendMail\":{\"message\":{\"subject\":\"" + subject
                + "\",\"body\":{\"contentType\":\"text\",\"content\":\"hello\"},"
                + "\"toRecipients\":[{\"emailAddress\":{\"address\":\"ops@fabrikam.example\"}}]}}}";
    }
}
