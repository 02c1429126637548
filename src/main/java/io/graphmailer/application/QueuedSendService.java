package io.graphmailer.application;

import io.graphmailer.application.port.in.ProcessQueuedMailUseCase;
import io.graphmailer.application.port.out.EnvelopeWriter;
import io.graphmailer.application.port.out.MailQueue;
import io.graphmailer.application.port.out.MailTransport;
import io.graphmailer.application.port.out.MailboxBudget;
import io.graphmailer.application.port.out.SendLedger;
import io.graphmailer.application.port.out.SentMessageLookup;
import io.graphmailer.domain.InvalidMailException;
import io.graphmailer.domain.LedgerEntry;
import io.graphmailer.domain.LedgerEntry.State;
import io.graphmailer.domain.MailTransportException;
import io.graphmailer.domain.QueueOutcome;
import io.graphmailer.domain.QueueOutcome.Kind;
import io.graphmailer.domain.QueuedMail;
import io.graphmailer.domain.SenderNotAllowedException;
import io.graphmailer.domain.SignInRequiredException;
import io.graphmailer.domain.SendMailCommand;
import io.graphmailer.domain.SenderPolicy;
import io.graphmailer.domain.TrackingId;
import io.graphmailer.domain.budget.Admission;
import io.graphmailer.domain.budget.BudgetUnavailableException;
import io.graphmailer.domain.budget.Claimant;
import io.graphmailer.domain.budget.MailboxBudgetPolicy;
import io.graphmailer.domain.budget.Permit;
import io.graphmailer.domain.delivery.DeliveryState;
import io.graphmailer.domain.SendReceipt;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Collectors;
import java.util.logging.Logger;

/**
 * Queue-triggered sends that lose nothing and send nothing twice. Before the call the ledger entry is claimed with a
 * conditional write that only one worker can win, with a lease: the time until which that worker may still be sending
 * (the send's own bounded duration plus a margin). A second delivery during the lease is put back on the queue until
 * after it (not counted as an attempt); a redelivered message whose send succeeded is acknowledged without sending.
 * Only a claim whose lease ran out without an outcome is "unknown"; policy {@code verify} then looks for the message
 * in the mailbox's Sent Items after a settle time and sends again only when it is absent. Permanent failures go to the
 * dead-letter queue at once; transient ones are re-enqueued with the service's delay (not counted against the host's
 * dequeue count) until the configured attempts are used, then kept in the poison queue with the reason.
 */
public class QueuedSendService implements ProcessQueuedMailUseCase {
    private static final Logger LOG = Logger.getLogger(QueuedSendService.class.getName());
    /** Added to a deferral so the next look comes after the lease or settle time, not on its edge. */
    private static final Duration DEFER_MARGIN = Duration.ofSeconds(1);
    /** A ticketed budget wait shorter than this is waited in process (the queue's delays are whole seconds). */
    static final Duration IN_PROCESS_WAIT = Duration.ofSeconds(1);

    /** One daemon thread for every send's lease renewal (a renewal is one small conditional write), started on first use. */
    private static final class Renewals {
        static final java.util.concurrent.ScheduledExecutorService EXECUTOR =
                java.util.concurrent.Executors.newSingleThreadScheduledExecutor(r -> {
                    Thread t = new Thread(r, "graph-mailer-lease-renewal");
                    t.setDaemon(true);
                    return t;
                });
    }

    /** What to do when an earlier attempt's outcome is unknown (timeout or 5xx after the request went out). */
    public enum UnknownOutcomePolicy { RESEND, PARK, VERIFY }

    /**
     * @param lease    how long a claim is held: longer than one send can take (its timeouts and retry budget)
     * @param settle   after an unknown outcome, how long to wait before looking in Sent Items (policy verify)
     * @param fallback policy verify's fallback (resend or park) when the mailbox cannot be searched
     * @param signInWait    how long mail of a delegated mailbox that needs a new sign-in waits for it before it is dead-lettered
     * @param signInRecheck how often such mail tries again meanwhile (jittered)
     */
    public record Settings(UnknownOutcomePolicy unknownOutcomePolicy, int maxAttempts, Duration backoffBase, Duration backoffMax,
                           Duration lease, Duration settle, UnknownOutcomePolicy fallback, Duration signInWait, Duration signInRecheck) {
        public Settings {
            if (fallback == UnknownOutcomePolicy.VERIFY) {
                throw new IllegalArgumentException("the fallback of policy verify is resend or park");
            }
        }

        public Settings(UnknownOutcomePolicy unknownOutcomePolicy, int maxAttempts, Duration backoffBase, Duration backoffMax,
                        Duration lease, Duration settle, UnknownOutcomePolicy fallback) {
            this(unknownOutcomePolicy, maxAttempts, backoffBase, backoffMax, lease, settle, fallback, Duration.ofDays(3),
                    Duration.ofMinutes(15));
        }

        /** The same settings with the sign-in wait of delegated mailboxes. */
        public Settings withSignInWait(Duration wait, Duration recheck) {
            return new Settings(unknownOutcomePolicy, maxAttempts, backoffBase, backoffMax, lease, settle, fallback, wait, recheck);
        }

        public Settings(UnknownOutcomePolicy unknownOutcomePolicy, int maxAttempts, Duration backoffBase, Duration backoffMax) {
            this(unknownOutcomePolicy, maxAttempts, backoffBase, backoffMax, Duration.ofMinutes(5), Duration.ofMinutes(2),
                    UnknownOutcomePolicy.RESEND);
        }
    }

    private final SendStep step;
    private final SendLedger ledger;
    private final MailQueue queue;
    private final EnvelopeWriter envelopes;
    private final Settings settings;
    private final Clock clock;
    private final SentMessageLookup lookup;
    private final AtomicLong unknownOutcomes = new AtomicLong();
    private final DeliveryRecorder deliveries;

    public QueuedSendService(SenderPolicy senderPolicy, MailTransport transport, SendLedger ledger, MailQueue queue,
                             EnvelopeWriter envelopes, PerMailboxLimiter limiter, Settings settings, Clock clock) {
        this(senderPolicy, transport, ledger, queue, envelopes, limiter, settings, clock, AttachmentResolver.none(), SentMessageLookup.NONE);
    }

    public QueuedSendService(SenderPolicy senderPolicy, MailTransport transport, SendLedger ledger, MailQueue queue,
                             EnvelopeWriter envelopes, PerMailboxLimiter limiter, Settings settings, Clock clock,
                             AttachmentResolver attachments, SentMessageLookup lookup) {
        this(senderPolicy, transport, ledger, queue, envelopes, limiter, settings, clock, attachments, lookup,
                new InMemoryMailboxBudget(clock, settings.lease()), MailboxBudgetPolicy.defaults());
    }

    public QueuedSendService(SenderPolicy senderPolicy, MailTransport transport, SendLedger ledger, MailQueue queue,
                             EnvelopeWriter envelopes, PerMailboxLimiter limiter, Settings settings, Clock clock,
                             AttachmentResolver attachments, SentMessageLookup lookup, MailboxBudget budget,
                             MailboxBudgetPolicy budgetPolicy) {
        this(senderPolicy, transport, ledger, queue, envelopes, limiter, settings, clock, attachments, lookup, budget, budgetPolicy,
                DeliveryRecorder.NONE);
    }

    /** @param deliveries where each message's delivery record is written (best effort) */
    public QueuedSendService(SenderPolicy senderPolicy, MailTransport transport, SendLedger ledger, MailQueue queue,
                             EnvelopeWriter envelopes, PerMailboxLimiter limiter, Settings settings, Clock clock,
                             AttachmentResolver attachments, SentMessageLookup lookup, MailboxBudget budget,
                             MailboxBudgetPolicy budgetPolicy, DeliveryRecorder deliveries) {
        this.deliveries = deliveries;
        this.step = new SendStep(senderPolicy, transport, limiter, attachments, budget, budgetPolicy);
        this.ledger = ledger;
        this.queue = queue;
        this.envelopes = envelopes;
        this.settings = settings;
        this.clock = clock;
        this.lookup = lookup;
    }

    /** How many times an unknown outcome was met (verified, resent or parked) since start. */
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
        SendMailCommand command;
        try {
            // Sender policy, blob sizes and the message limits: before the ledger and before any call to the mail service.
            command = step.prepare(mail.command());
        } catch (SenderNotAllowedException e) {
            return rejected(mail, "SenderNotAllowed", e.getMessage());
        } catch (InvalidMailException e) {
            String reason = e.violations().stream().map(v -> "sendMail." + v.field() + " " + v.message()).collect(Collectors.joining("; "));
            return rejected(mail, "InvalidMessage", reason);
        } catch (MailTransportException e) {
            if (e.kind() == MailTransportException.Kind.TRANSIENT) {
                return retryLater(mail, e);
            }
            return rejected(mail, e.code(), e.getMessage());
        }
        // The record's facts come from the first delivery; an enqueuer (HTTP respond-async, a job) may have written them.
        // A message back from a budget wait has been seen (its first sight was recorded then): not looked up again.
        if (mail.waitingFor() == null) {
            deliveries.acceptedOnFirstSight(trackingIdOf(mail), command, mail.origin());
        }
        // The mailbox's budget first: a message that does not fit now is not an attempt; it waits on the queue.
        // The idempotency key is the claimant: a redelivery presents the same place in line.
        Claimant claimant = Claimant.queued(mail.idempotencyKey());
        Admission admission;
        try {
            admission = admitWaitingBriefly(command, claimant);
        } catch (BudgetUnavailableException e) {
            // Not an attempt and not a failure: without the budget nothing may go out; look again shortly.
            // The ledger lives in the same storage account: no note of this wait there.
            return deferred(mail, budgetRecheck(), "the mailbox budget store is unavailable (" + e.getMessage() + ")");
        }
        if (admission instanceof Admission.Wait wait) {
            Duration until = Duration.between(clock.instant(), wait.until());
            String limit = wait.limit().settingName();
            QueueOutcome outcome;
            if (wait.ticketed()) {
                // A place in line: back on the queue at its time, no spread and no margin (the queue's delay is whole
                // seconds, rounded down: the message comes back up to a second early and waits the rest in process).
                outcome = waitOnQueue(mail, Duration.ofSeconds(Math.max(1, until.toSeconds())), limit, "waiting in line for the mailbox's "
                        + limit + " budget: " + wait.detail());
            } else {
                // No ticket: spread the waiters of one window a little, so they do not all come back in the same second.
                Duration spread = Duration.ofMillis(java.util.concurrent.ThreadLocalRandom.current()
                        .nextLong(1 + Math.min(1_000, Math.max(0, until.toMillis()) / 10)));
                outcome = waitOnQueue(mail, until.plus(spread).plus(DEFER_MARGIN), limit, "waiting for the mailbox's "
                        + limit + " budget: " + wait.detail());
            }
            // Written down once per limit: a message that waits again for the same limit (a holder a little short, a
            // waiter past the line) costs no ledger or delivery-log writes, which under a backlog were most of its cost.
            if (!limit.equals(mail.waitingFor())) {
                waiting(mail, command, limit, outcome.detail());
                deliveries.event(trackingIdOf(mail), DeliveryState.WAITING, limit);
            }
            return outcome;
        }
        if (admission instanceof Admission.Refused refused) {
            return rejected(mail, "InvalidMessage", refused.detail());
        }
        GrantedSend granted = new GrantedSend(((Admission.Granted) admission).permit());
        try {
            return claimAndSend(mail, command, granted);
        } finally {
            granted.giveBackIfUnused();
        }
    }

    private static String trackingIdOf(QueuedMail mail) {
        return TrackingId.fromIdempotencyKey(mail.idempotencyKey());
    }

    /** A message that can never be sent: dead-lettered, and its record says so with the code. */
    private QueueOutcome rejected(QueuedMail mail, String code, String reason) {
        QueueOutcome outcome = reject(mail.original(), code, reason);
        deliveries.event(trackingIdOf(mail), DeliveryState.DEAD_LETTERED, code);
        return outcome;
    }

    /**
     * Asks the budget; a ticketed wait shorter than {@link #IN_PROCESS_WAIT} (the message came back just before its
     * ticket, or earlier holders were a few ms late) is waited here and asked again, instead of a round trip through
     * the queue, whose delays are whole seconds.
     */
    private Admission admitWaitingBriefly(SendMailCommand command, Claimant claimant) {
        for (int asked = 1; ; asked++) {
            Admission admission = step.admit(command, claimant);
            if (!(admission instanceof Admission.Wait wait) || !wait.ticketed() || asked >= 4) {
                return admission;
            }
            long ms = Duration.between(clock.instant(), wait.until()).toMillis();
            if (ms >= IN_PROCESS_WAIT.toMillis()) {
                return admission;
            }
            try {
                Thread.sleep(Math.max(1, ms));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return admission;
            }
        }
    }

    /** How long a message waits when the budget store cannot be reached: 5 to 10 s, jittered. */
    private static Duration budgetRecheck() {
        return Duration.ofMillis(5_000 + java.util.concurrent.ThreadLocalRandom.current().nextLong(5_001));
    }

    /** The ledger says which limit the message waits for; advisory, so a ledger fault here does not undo the deferral. */
    private void waiting(QueuedMail mail, SendMailCommand command, String limit, String reason) {
        try {
            ledger.recordWaiting(mail.idempotencyKey(), TrackingId.fromIdempotencyKey(mail.idempotencyKey()), command.mailbox().key(),
                    limit, reason);
        } catch (RuntimeException e) {
            LOG.warning(() -> "queue: " + mail.idempotencyKey() + ": the ledger did not record the wait (" + e.getClass().getSimpleName() + ")");
        }
    }

    /** A granted permit: released by the send that uses it, or given back unused (already sent, in progress, parked...). */
    private final class GrantedSend {
        private final Permit permit;
        private boolean used;

        GrantedSend(Permit permit) {
            this.permit = permit;
        }

        SendReceipt transmit(SendMailCommand command, String trackingId) {
            used = true;
            return step.transmit(command, trackingId, permit);
        }

        void giveBackIfUnused() {
            if (!used) {
                step.budget().release(permit, false);
            }
        }
    }

    private QueueOutcome claimAndSend(QueuedMail mail, SendMailCommand command, GrantedSend granted) {
        String key = mail.idempotencyKey();
        // Every attempt of this mail carries the same client-request-id and message id.
        String trackingId = TrackingId.fromIdempotencyKey(key);
        Instant now = clock.instant();
        SendLedger.Start start = ledger.start(key, trackingId, now.plus(settings.lease()));
        LedgerEntry attempt = start.attempt();
        if (attempt == null) {
            LedgerEntry entry = start.existing();
            if (entry.state() == State.SENT) {
                LOG.info(() -> "queue: " + key + " was already sent as " + entry.trackingId() + "; acknowledged without sending");
                return QueueOutcome.of(Kind.ALREADY_SENT, "already sent as " + entry.trackingId());
            }
            if (entry.inProgressAt(now)) {
                return deferred(mail, Duration.between(now, entry.leaseUntil()), "attempt " + entry.sendAttempts() + " (tracking id "
                        + entry.trackingId() + ") is in progress in another worker until " + entry.leaseUntil());
            }
            if (entry.state() == State.ATTEMPTING) {
                QueueOutcome decided = unknownOutcome(mail, command, entry, now);
                if (decided != null) {
                    return decided;
                }
            }
            try {
                attempt = ledger.recordAttempt(entry, clock.instant().plus(settings.lease()));
            } catch (SendLedger.ConcurrentAttemptException e) {
                // Another delivery of the same key won the claim between our read and our write.
                return deferred(mail, settings.lease(), "another worker claimed attempt " + (entry.sendAttempts() + 1) + " first");
            }
        }
        LedgerEntry recorded = attempt;
        SendReceipt receipt;
        deliveries.event(trackingId, DeliveryState.SENDING, "attempt " + recorded.sendAttempts());
        try (LeaseRenewal renewal = new LeaseRenewal(recorded)) {
            try {
                receipt = granted.transmit(command, recorded.trackingId());
            } catch (MailTransportException e) {
                renewal.close();
                return failed(mail, renewal.current(), e);
            }
            renewal.close();
            ledger.recordSent(renewal.current().with(State.SENT, null, clock.instant()), command.mailbox().key(),
                    granted.permit.cost().recipients());
        }
        deliveries.event(trackingId, DeliveryState.SENT, "", receipt.graphRequestId());
        return QueueOutcome.of(Kind.SENT, recorded.trackingId());
    }

    /**
     * Keeps this worker's claim while its send runs (a large draft upload can outlast one lease): every half lease the
     * lease is extended with a conditional write. Closed before the outcome is written, so a renewal never follows it.
     */
    private final class LeaseRenewal implements AutoCloseable {
        private final java.util.concurrent.atomic.AtomicReference<LedgerEntry> current;
        private final java.util.concurrent.ScheduledFuture<?> task;
        private volatile boolean closed;

        LeaseRenewal(LedgerEntry claim) {
            current = new java.util.concurrent.atomic.AtomicReference<>(claim);
            long every = Math.max(1, settings.lease().toMillis() / 2);
            task = Renewals.EXECUTOR.scheduleWithFixedDelay(this::renew, every, every, java.util.concurrent.TimeUnit.MILLISECONDS);
        }

        private synchronized void renew() {
            if (closed) {
                return;
            }
            LedgerEntry claim = current.get();
            try {
                current.set(ledger.renewLease(claim, clock.instant().plus(settings.lease())));
            } catch (SendLedger.ConcurrentAttemptException e) {
                LOG.warning(() -> "queue: " + claim.key() + " (tracking id " + claim.trackingId() + "): the claim changed while"
                        + " sending; the lease is no longer renewed");
                closed = true;
            } catch (RuntimeException e) {
                // The ledger is briefly unreachable: the lease still runs; try again at the next beat.
                LOG.warning(() -> "queue: " + claim.key() + ": lease not renewed (" + e.getClass().getSimpleName() + "); trying again");
            }
        }

        LedgerEntry current() {
            return current.get();
        }

        @Override
        public synchronized void close() {
            closed = true; // synchronized with renew(): no renewal is in flight once this returns
            task.cancel(false);
        }
    }

    /**
     * An earlier claim ran out without an outcome. Returns the outcome when decided here (verified as sent, parked,
     * deferred until the settle time, retried later), or null when the message is to be sent again.
     */
    private QueueOutcome unknownOutcome(QueuedMail mail, SendMailCommand command, LedgerEntry entry, Instant now) {
        String key = mail.idempotencyKey();
        UnknownOutcomePolicy policy = settings.unknownOutcomePolicy();
        if (policy == UnknownOutcomePolicy.VERIFY) {
            Instant ended = entry.leaseUntil() != null ? entry.leaseUntil() : entry.updatedAt();
            Instant lookAt = ended.plus(settings.settle());
            if (now.isBefore(lookAt)) {
                return deferred(mail, Duration.between(now, lookAt), "the outcome of attempt " + entry.sendAttempts() + " (tracking id "
                        + entry.trackingId() + ") is unknown; Sent Items is searched after the settle time, at " + lookAt);
            }
            unknownOutcomes.incrementAndGet();
            SentMessageLookup.Result result;
            try {
                result = lookup.find(command, entry.trackingId());
            } catch (MailTransportException e) {
                return retryLater(mail, e);
            }
            switch (result.found()) {
                case FOUND -> {
                    String detail = "attempt " + entry.sendAttempts() + " had an unknown outcome; found in the mailbox (" + result.detail() + ")";
                    ledger.recordOutcome(entry.with(State.SENT, detail, clock.instant()));
                    deliveries.event(entry.trackingId(), DeliveryState.VERIFIED_SENT, "found in Sent Items");
                    LOG.info(() -> "queue: " + key + " (tracking id " + entry.trackingId() + ") " + detail + "; not sent again");
                    return QueueOutcome.of(Kind.VERIFIED_SENT, detail);
                }
                case ABSENT -> {
                    LOG.warning(() -> "queue: " + key + " (tracking id " + entry.trackingId() + ") had an unknown outcome and is not in the"
                            + " mailbox after the settle time (" + result.detail() + "); sending again");
                    return null;
                }
                default -> {
                    policy = settings.fallback();
                    UnknownOutcomePolicy fallback = policy;
                    LOG.warning(() -> "queue: " + key + " (tracking id " + entry.trackingId() + ") had an unknown outcome and cannot be"
                            + " verified (" + result.detail() + "); falling back to policy " + fallback.name().toLowerCase(java.util.Locale.ROOT));
                }
            }
        } else {
            unknownOutcomes.incrementAndGet();
        }
        if (policy == UnknownOutcomePolicy.PARK) {
            return park(mail, entry, "an earlier attempt (tracking id " + entry.trackingId() + ") ended with an unknown outcome; it may"
                    + " have been sent");
        }
        LOG.warning(() -> "queue: " + key + " had an unknown outcome (tracking id " + entry.trackingId()
                + "); resending per policy resend, which may deliver twice (#" + unknownOutcomes.get() + ")");
        return null;
    }

    /** Back on the queue, invisible until {@code wait} has passed; the attempt number stays as it is. */
    private QueueOutcome deferred(QueuedMail mail, Duration wait, String why) {
        Duration delay = wait.plus(DEFER_MARGIN);
        queue.requeue(envelopes.nextAttempt(mail.original(), mail.idempotencyKey(), mail.attempt()), delay);
        LOG.info(() -> "queue: " + mail.idempotencyKey() + " deferred by " + delay.toSeconds() + " s: " + why);
        return new QueueOutcome(Kind.DEFERRED, why, delay);
    }

    /** Back on the queue for a budget wait, invisible for exactly {@code delay}; the envelope notes the limit. */
    private QueueOutcome waitOnQueue(QueuedMail mail, Duration delay, String limit, String why) {
        queue.requeue(envelopes.waitingFor(mail.original(), mail.idempotencyKey(), mail.attempt(), limit), delay);
        LOG.info(() -> "queue: " + mail.idempotencyKey() + " deferred by " + delay.toSeconds() + " s: " + why);
        return QueueOutcome.waitingForBudget(limit, why, delay);
    }

    private QueueOutcome failed(QueuedMail mail, LedgerEntry attempt, MailTransportException e) {
        if (e instanceof SignInRequiredException signIn) {
            return waitForSignIn(mail, attempt, signIn);
        }
        String reason = e.getMessage();
        switch (e.kind()) {
            case REJECTED, CONFIGURATION -> {
                queue.deadLetter(mail.original(), e.code(), reason);
                ledger.recordOutcome(attempt.with(State.FAILED, e.code() + ": " + reason, clock.instant()));
                LOG.warning(() -> "queue: " + attempt.trackingId() + " dead-lettered (" + e.code() + ")");
                deliveries.event(trackingIdOf(mail), DeliveryState.DEAD_LETTERED, e.code());
                return QueueOutcome.of(Kind.DEAD_LETTERED, reason);
            }
            case TRANSIENT -> {
                // Not sent (throttled or refused before processing): safe to try again later.
                ledger.recordOutcome(attempt.with(State.RETRY_SCHEDULED, e.code(), clock.instant()));
                return retryLater(mail, e);
            }
            default -> {
                unknownOutcomes.incrementAndGet();
                if (settings.unknownOutcomePolicy() == UnknownOutcomePolicy.PARK) {
                    return park(mail, attempt, reason);
                }
                // OUTCOME_UNKNOWN: this worker is done with its claim; the entry stays ATTEMPTING with its lease ended now,
                // so the next delivery applies the policy (verify: after the settle time) instead of waiting for the lease.
                ledger.recordOutcome(attempt.leaseEnded(e.code() + ": " + reason, clock.instant()));
                return settings.unknownOutcomePolicy() == UnknownOutcomePolicy.VERIFY
                        ? retryLater(mail, e, settings.settle().plus(DEFER_MARGIN)) : retryLater(mail, e);
            }
        }
    }

    /**
     * The mailbox needs a new sign-in: nothing went out, and nothing will until an operator signs it in again. The message
     * goes back on the queue for {@code signInRecheck} (jittered), not counted as an attempt (the ledger's claim is given
     * back), with the time it first waited carried in the envelope; the ledger and the delivery log say what it waits
     * for and the command. Only after {@code signInWait} since it first waited is it dead-lettered, naming the command.
     */
    private QueueOutcome waitForSignIn(QueuedMail mail, LedgerEntry attempt, SignInRequiredException e) {
        Instant now = clock.instant();
        Instant since = mail.signInWaitSince() != null ? mail.signInWaitSince() : now;
        String mailbox = e.mailbox().id();
        Duration waited = Duration.between(since, now);
        if (waited.compareTo(settings.signInWait()) >= 0) {
            String reason = "waited " + waited.truncatedTo(java.time.temporal.ChronoUnit.SECONDS) + " (GRAPH_MAILER_DELEGATED_SIGN_IN_WAIT "
                    + settings.signInWait() + ") since " + since + " for a sign-in of " + mailbox + "; " + e.getMessage();
            queue.deadLetter(mail.original(), e.code(), reason);
            ledger.recordOutcome(attempt.with(State.FAILED, e.code() + ": " + reason, now));
            deliveries.event(trackingIdOf(mail), DeliveryState.DEAD_LETTERED, e.code() + ": no sign-in of " + mailbox + " within "
                    + settings.signInWait() + "; run " + e.command());
            LOG.warning(() -> "queue: " + attempt.trackingId() + " dead-lettered (" + e.code() + "): no sign-in of " + mailbox
                    + " within " + settings.signInWait());
            return QueueOutcome.of(Kind.DEAD_LETTERED, reason);
        }
        Duration left = settings.signInWait().minus(waited);
        Duration recheck = settings.signInRecheck().plusMillis(java.util.concurrent.ThreadLocalRandom.current()
                .nextLong(1 + settings.signInRecheck().toMillis() / 10));
        Duration delay = recheck.compareTo(left) > 0 ? left : recheck;
        delay = delay.compareTo(Duration.ofSeconds(1)) < 0 ? Duration.ofSeconds(1) : delay;
        String why = "waiting for a sign-in of " + mailbox + " since " + since + " (dead-lettered after " + settings.signInWait()
                + "): " + e.getMessage();
        // The claim is given back: the attempt did not happen (the next delivery claims the same attempt number again).
        ledger.recordOutcome(new LedgerEntry(attempt.key(), State.WAITING, attempt.trackingId(), Math.max(0, attempt.sendAttempts() - 1),
                now, why, attempt.etag(), null));
        waiting(mail, mail.command(), "sign-in", why);
        deliveries.event(trackingIdOf(mail), DeliveryState.WAITING, "sign-in of " + mailbox + ": run " + e.command());
        queue.requeue(envelopes.waitingForSignIn(mail.original(), mail.idempotencyKey(), mail.attempt(), since), delay);
        Duration shown = delay;
        LOG.info(() -> "queue: " + mail.idempotencyKey() + " waits " + shown.toSeconds() + " s for a sign-in of " + mailbox + " ("
                + e.code() + "); run " + e.command());
        return new QueueOutcome(Kind.DEFERRED, why, delay);
    }

    /** Policy park: the mail goes to the dead-letter queue for a person to check Sent Items; it is not sent again. */
    private QueueOutcome park(QueuedMail mail, LedgerEntry entry, String cause) {
        String reason = cause + ". Parked for manual review (policy park): check the mailbox's Sent Items before re-submitting";
        queue.deadLetter(mail.original(), "OutcomeUnknown", reason);
        ledger.recordOutcome(entry.with(State.PARKED, reason, clock.instant()));
        deliveries.event(trackingIdOf(mail), DeliveryState.PARKED, "OutcomeUnknown");
        LOG.warning(() -> "queue: " + mail.idempotencyKey() + " parked, outcome unknown (#" + unknownOutcomes.get() + ")");
        return QueueOutcome.of(Kind.PARKED, reason);
    }

    /** Tries again after the service's requested delay (Retry-After), else after the exponential backoff. */
    private QueueOutcome retryLater(QueuedMail mail, MailTransportException e) {
        return retryLater(mail, e, e.retryAfter() != null ? e.retryAfter() : backoff(mail.attempt()));
    }

    private QueueOutcome retryLater(QueuedMail mail, MailTransportException e, Duration delay) {
        int next = mail.attempt() + 1;
        if (next >= settings.maxAttempts()) {
            String reason = "gave up after " + next + " attempts; last: " + e.code() + ": " + e.getMessage();
            queue.poison(mail.original(), e.code(), reason);
            deliveries.event(trackingIdOf(mail), DeliveryState.DEAD_LETTERED, "poison: " + e.code());
            LOG.warning(() -> "queue: " + mail.idempotencyKey() + " moved to the poison queue: " + reason);
            return QueueOutcome.of(Kind.POISONED, reason);
        }
        Duration wait = delay.compareTo(Duration.ofSeconds(1)) < 0 ? Duration.ofSeconds(1) : delay;
        queue.requeue(envelopes.nextAttempt(mail.original(), mail.idempotencyKey(), next), wait);
        deliveries.event(trackingIdOf(mail), DeliveryState.RETRYING, e.code() + ", attempt " + (next + 1) + " in " + wait.toSeconds() + " s");
        LOG.info(() -> "queue: " + mail.idempotencyKey() + " re-enqueued for attempt " + (next + 1) + " in " + wait.toSeconds() + " s (" + e.code() + ")");
        return new QueueOutcome(Kind.REQUEUED, e.code(), wait);
    }

    Duration backoff(int attempt) {
        Duration d = settings.backoffBase().multipliedBy(1L << Math.min(attempt, 16));
        return d.compareTo(settings.backoffMax()) > 0 ? settings.backoffMax() : d;
    }
}
