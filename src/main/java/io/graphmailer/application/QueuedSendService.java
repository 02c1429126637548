package io.graphmailer.application;

import io.graphmailer.application.port.in.ProcessQueuedMailUseCase;
import io.graphmailer.application.port.out.EnvelopeWriter;
import io.graphmailer.application.port.out.MailQueue;
import io.graphmailer.application.port.out.MailTransport;
import io.graphmailer.application.port.out.SendLedger;
import io.graphmailer.domain.InvalidMailException;
import io.graphmailer.domain.LedgerEntry;
import io.graphmailer.domain.LedgerEntry.State;
import io.graphmailer.domain.MailTransportException;
import io.graphmailer.domain.QueueOutcome;
import io.graphmailer.domain.QueueOutcome.Kind;
import io.graphmailer.domain.QueuedMail;
import io.graphmailer.domain.SenderNotAllowedException;
import io.graphmailer.domain.SendMailCommand;
import io.graphmailer.domain.SenderPolicy;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Collectors;
import java.util.logging.Logger;

/**
 * Queue-triggered sends that lose nothing and send nothing twice. The ledger entry is written before
 * the Graph call and completed after it; a redelivered message whose send succeeded is acknowledged
 * without sending. Permanent failures go to the dead-letter queue at once; transient ones are
 * re-enqueued with the service's delay (not counted against the host's dequeue count) until the
 * configured attempts are used, then kept in the poison queue with the reason.
 */
public class QueuedSendService implements ProcessQueuedMailUseCase {
    private static final Logger LOG = Logger.getLogger(QueuedSendService.class.getName());

    /** What to do when an earlier attempt's outcome is unknown (timeout or 5xx after the request went out). */
    public enum UnknownOutcomePolicy { RESEND, PARK }

    public record Settings(UnknownOutcomePolicy unknownOutcomePolicy, int maxAttempts, Duration backoffBase, Duration backoffMax) {
    }

    private final SenderPolicy senderPolicy;
    private final MailTransport transport;
    private final SendLedger ledger;
    private final MailQueue queue;
    private final EnvelopeWriter envelopes;
    private final PerMailboxLimiter limiter;
    private final Settings settings;
    private final Clock clock;
    private final AttachmentResolver attachments;
    private final AtomicLong unknownOutcomes = new AtomicLong();

    public QueuedSendService(SenderPolicy senderPolicy, MailTransport transport, SendLedger ledger, MailQueue queue,
                             EnvelopeWriter envelopes, PerMailboxLimiter limiter, Settings settings, Clock clock) {
        this(senderPolicy, transport, ledger, queue, envelopes, limiter, settings, clock, AttachmentResolver.none());
    }

    public QueuedSendService(SenderPolicy senderPolicy, MailTransport transport, SendLedger ledger, MailQueue queue,
                             EnvelopeWriter envelopes, PerMailboxLimiter limiter, Settings settings, Clock clock,
                             AttachmentResolver attachments) {
        this.attachments = attachments;
        this.senderPolicy = senderPolicy;
        this.transport = transport;
        this.ledger = ledger;
        this.queue = queue;
        this.envelopes = envelopes;
        this.limiter = limiter;
        this.settings = settings;
        this.clock = clock;
    }

    /** How many times an unknown outcome was met (resent or parked) since start. */
    public long unknownOutcomes() {
        return unknownOutcomes.get();
    }

    @Override
    public QueueOutcome reject(String original, String code, String reason) {
        queue.deadLetter(original, code, reason);
        LOG.warning(() -> "queue: message dead-lettered (" + code + "): " + reason);
        return QueueOutcome.of(Kind.DEAD_LETTERED, reason);
    }

    @Override
    public QueueOutcome process(QueuedMail mail) {
        SendMailCommand authorized;
        try {
            authorized = senderPolicy.authorize(mail.command()); // the mailbox and every sender field
        } catch (SenderNotAllowedException e) {
            return reject(mail.original(), "SenderNotAllowed", e.getMessage());
        }
        SendMailCommand command;
        try {
            // Blob sizes and the message limits, before the ledger and before any call to the mail service.
            command = attachments.resolve(authorized);
        } catch (InvalidMailException e) {
            String reason = e.violations().stream().map(v -> "sendMail." + v.field() + " " + v.message()).collect(Collectors.joining("; "));
            return reject(mail.original(), "InvalidMessage", reason);
        } catch (MailTransportException e) {
            if (e.kind() == MailTransportException.Kind.TRANSIENT) {
                return retryLater(mail, e, e.retryAfter() != null ? e.retryAfter() : backoff(mail.attempt()));
            }
            return reject(mail.original(), e.code(), e.getMessage());
        }
        String key = mail.idempotencyKey();
        // One tracking id per key, so every attempt of this mail carries the same client-request-id.
        String trackingId = UUID.nameUUIDFromBytes(key.getBytes(StandardCharsets.UTF_8)).toString();
        SendLedger.Start start = ledger.start(key, trackingId);
        LedgerEntry attempt = start.attempt();
        if (attempt == null) {
            LedgerEntry entry = start.existing();
            if (entry.state() == State.SENT) {
                LOG.info(() -> "queue: " + key + " was already sent as " + entry.trackingId() + "; acknowledged without sending");
                return QueueOutcome.of(Kind.ALREADY_SENT, "already sent as " + entry.trackingId());
            }
            if (entry.state() == State.ATTEMPTING) {
                long count = unknownOutcomes.incrementAndGet();
                if (settings.unknownOutcomePolicy() == UnknownOutcomePolicy.PARK) {
                    String reason = "an earlier attempt (tracking id " + entry.trackingId() + ") ended with an unknown outcome; it may have been"
                            + " sent. Parked for manual review (policy park): check the mailbox's Sent Items before re-submitting";
                    queue.deadLetter(mail.original(), "OutcomeUnknown", reason);
                    ledger.recordOutcome(entry.with(State.PARKED, reason, clock.instant()));
                    LOG.warning(() -> "queue: " + key + " parked, outcome unknown (#" + count + ")");
                    return QueueOutcome.of(Kind.PARKED, reason);
                }
                LOG.warning(() -> "queue: " + key + " had an unknown outcome (tracking id " + entry.trackingId()
                        + "); resending per policy resend, which may deliver twice (#" + count + ")");
            }
            attempt = ledger.recordAttempt(entry);
        }
        LedgerEntry recorded = attempt;
        try {
            limiter.run(mail.command().mailbox(), () -> {
                transport.send(command, recorded.trackingId());
                return null;
            });
        } catch (MailTransportException e) {
            return failed(mail, recorded, e);
        }
        ledger.recordOutcome(recorded.with(State.SENT, null, clock.instant()));
        return QueueOutcome.of(Kind.SENT, recorded.trackingId());
    }

    private QueueOutcome failed(QueuedMail mail, LedgerEntry attempt, MailTransportException e) {
        String reason = e.getMessage();
        switch (e.kind()) {
            case REJECTED, CONFIGURATION -> {
                queue.deadLetter(mail.original(), e.code(), reason);
                ledger.recordOutcome(attempt.with(State.FAILED, e.code() + ": " + reason, clock.instant()));
                LOG.warning(() -> "queue: " + attempt.trackingId() + " dead-lettered (" + e.code() + ")");
                return QueueOutcome.of(Kind.DEAD_LETTERED, reason);
            }
            case TRANSIENT -> {
                // Not sent (throttled or refused before processing): safe to try again later.
                ledger.recordOutcome(attempt.with(State.RETRY_SCHEDULED, e.code(), clock.instant()));
                return retryLater(mail, e, e.retryAfter() != null ? e.retryAfter() : backoff(mail.attempt()));
            }
            default -> {
                // OUTCOME_UNKNOWN: the ledger keeps ATTEMPTING, so the next delivery applies the policy.
                unknownOutcomes.incrementAndGet();
                if (settings.unknownOutcomePolicy() == UnknownOutcomePolicy.PARK) {
                    String parked = reason + ". Parked for manual review (policy park): check the mailbox's Sent Items before re-submitting";
                    queue.deadLetter(mail.original(), "OutcomeUnknown", parked);
                    ledger.recordOutcome(attempt.with(State.PARKED, parked, clock.instant()));
                    return QueueOutcome.of(Kind.PARKED, parked);
                }
                return retryLater(mail, e, e.retryAfter() != null ? e.retryAfter() : backoff(mail.attempt()));
            }
        }
    }

    private QueueOutcome retryLater(QueuedMail mail, MailTransportException e, Duration delay) {
        int next = mail.attempt() + 1;
        if (next >= settings.maxAttempts()) {
            String reason = "gave up after " + next + " attempts; last: " + e.code() + ": " + e.getMessage();
            queue.poison(mail.original(), e.code(), reason);
            LOG.warning(() -> "queue: " + mail.idempotencyKey() + " moved to the poison queue: " + reason);
            return QueueOutcome.of(Kind.POISONED, reason);
        }
        Duration wait = delay.compareTo(Duration.ofSeconds(1)) < 0 ? Duration.ofSeconds(1) : delay;
        queue.requeue(envelopes.nextAttempt(mail.original(), mail.idempotencyKey(), next), wait);
        LOG.info(() -> "queue: " + mail.idempotencyKey() + " re-enqueued for attempt " + (next + 1) + " in " + wait.toSeconds() + " s (" + e.code() + ")");
        return new QueueOutcome(Kind.REQUEUED, e.code(), wait);
    }

    Duration backoff(int attempt) {
        Duration d = settings.backoffBase().multipliedBy(1L << Math.min(attempt, 16));
        return d.compareTo(settings.backoffMax()) > 0 ? settings.backoffMax() : d;
    }
}
