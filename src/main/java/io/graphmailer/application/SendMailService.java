package io.graphmailer.application;

import io.graphmailer.application.port.in.SendMailUseCase;
import io.graphmailer.application.port.out.JobMailQueue;
import io.graphmailer.application.port.out.MailTransport;
import io.graphmailer.application.port.out.MailboxBudget;
import io.graphmailer.domain.InvalidMailException;
import io.graphmailer.domain.Mailbox;
import io.graphmailer.domain.SendMailCommand;
import io.graphmailer.domain.SendReceipt;
import io.graphmailer.domain.SenderPolicy;
import io.graphmailer.domain.TrackingId;
import io.graphmailer.domain.budget.Admission;
import io.graphmailer.domain.budget.BudgetLimit;
import io.graphmailer.domain.budget.BudgetUnavailableException;
import io.graphmailer.domain.budget.Claimant;
import io.graphmailer.domain.budget.MailboxBudgetExceededException;
import io.graphmailer.domain.budget.MailboxBudgetPolicy;
import io.graphmailer.domain.budget.MailboxLimits;
import io.graphmailer.domain.budget.SendCost;
import io.graphmailer.domain.delivery.DeliveryState;
import io.graphmailer.domain.delivery.Origin;
import io.graphmailer.domain.delivery.Trigger;
import io.graphmailer.domain.MailTransportException;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.logging.Logger;

/**
 * The HTTP send: prepare, ask the mailbox's budget (waiting in-process up to {@link HttpBudget#maxWait()} when the
 * budget frees within it, else {@link MailboxBudgetExceededException}), send. When the shared budget store cannot be
 * reached, {@link HttpBudget#localWhenUnavailable()} decides: refuse ({@link BudgetUnavailableException}) or send within
 * this process's own budget. With a queue, {@link #enqueue} puts the message on the outbox instead (Prefer: respond-async).
 * See docs/adr/0015.
 */
public class SendMailService implements SendMailUseCase {
    private static final Logger LOG = Logger.getLogger(SendMailService.class.getName());

    /**
     * @param maxWait              how long one HTTP send may wait for its budget before the caller gets a 429
     * @param localWhenUnavailable when the shared store cannot be reached: true sends within this process's budget
     *                             (logged each time), false refuses
     * @param slotLease            the local budget's slot lease (GRAPH_MAILER_BUDGET_SLOT_LEASE)
     */
    public record HttpBudget(Duration maxWait, boolean localWhenUnavailable, Clock clock, Duration slotLease) {
        /** No wait, refuse when the store is unreachable (the in-process store never is). */
        public static HttpBudget immediate() {
            return new HttpBudget(Duration.ZERO, false, Clock.systemUTC(), Duration.ofMinutes(5));
        }
    }

    private final SendStep step;
    /** This process's own budget, for {@code local} when the shared store cannot be reached. */
    private final SendStep localStep;
    private final HttpBudget settings;
    /** The outbox queue for {@link #enqueue}; null when there is none (dev, tests without storage). */
    private final JobMailQueue queue;
    private final DeliveryRecorder deliveries;

    public SendMailService(SenderPolicy senderPolicy, MailTransport transport, PerMailboxLimiter limiter) {
        this(senderPolicy, transport, limiter, AttachmentResolver.none());
    }

    /** With this process's own budget at the published defaults. */
    public SendMailService(SenderPolicy senderPolicy, MailTransport transport, PerMailboxLimiter limiter, AttachmentResolver attachments) {
        this(senderPolicy, transport, limiter, attachments, new InMemoryMailboxBudget(Clock.systemUTC(), Duration.ofMinutes(5)),
                MailboxBudgetPolicy.defaults());
    }

    public SendMailService(SenderPolicy senderPolicy, MailTransport transport, PerMailboxLimiter limiter, AttachmentResolver attachments,
                           MailboxBudget budget, MailboxBudgetPolicy budgetPolicy) {
        this(senderPolicy, transport, limiter, attachments, budget, budgetPolicy, HttpBudget.immediate(), null);
    }

    public SendMailService(SenderPolicy senderPolicy, MailTransport transport, PerMailboxLimiter limiter, AttachmentResolver attachments,
                           MailboxBudget budget, MailboxBudgetPolicy budgetPolicy, HttpBudget settings, JobMailQueue queue) {
        this(senderPolicy, transport, limiter, attachments, budget, budgetPolicy, settings, queue, DeliveryRecorder.NONE);
    }

    /** @param deliveries where each message's delivery record is written (best effort) */
    public SendMailService(SenderPolicy senderPolicy, MailTransport transport, PerMailboxLimiter limiter, AttachmentResolver attachments,
                           MailboxBudget budget, MailboxBudgetPolicy budgetPolicy, HttpBudget settings, JobMailQueue queue,
                           DeliveryRecorder deliveries) {
        this.deliveries = deliveries;
        this.step = new SendStep(senderPolicy, transport, limiter, attachments, budget, budgetPolicy);
        this.localStep = new SendStep(senderPolicy, transport, limiter, attachments,
                new InMemoryMailboxBudget(settings.clock(), settings.slotLease()), budgetPolicy);
        this.settings = settings;
        this.queue = queue;
    }

    @Override
    public void requireAllowedSender(Mailbox mailbox) {
        step.senderPolicy().requireAllowed(mailbox);
    }

    @Override
    public SendReceipt send(SendMailCommand command, String trackingId) {
        return send(command, trackingId, Origin.http(null, null));
    }

    @Override
    public SendReceipt send(SendMailCommand command, String trackingId, Origin origin) {
        // Authorized and resolved (attachment sizes, limits) before any call to the mail service.
        SendMailCommand prepared = step.prepare(command);
        String id = TrackingId.fromCaller(trackingId);
        // A job's message was accepted when its occurrence was enqueued (dev hands it here directly).
        if (origin.trigger() == Trigger.JOB) {
            deliveries.acceptedOnFirstSight(id, prepared, origin);
        } else {
            deliveries.accepted(id, prepared, origin);
        }
        try {
            SendReceipt receipt = admitAndTransmit(prepared, id);
            deliveries.event(id, DeliveryState.SENT, "", receipt.graphRequestId());
            return receipt;
        } catch (MailTransportException e) {
            deliveries.event(id, DeliveryState.FAILED, e.code());
            throw e;
        } catch (MailboxBudgetExceededException e) {
            deliveries.event(id, DeliveryState.FAILED, "MailboxBudgetExceeded");
            throw e;
        } catch (BudgetUnavailableException e) {
            deliveries.event(id, DeliveryState.FAILED, "BudgetUnavailable");
            throw e;
        } catch (InvalidMailException e) {
            deliveries.event(id, DeliveryState.FAILED, "InvalidMessage");
            throw e;
        }
    }

    private SendReceipt admitAndTransmit(SendMailCommand prepared, String id) {
        Instant deadline = settings.clock().instant().plus(settings.maxWait());
        // One claimant per request: a place in line is taken only when it falls within what is left of the wait.
        String claimantId = java.util.UUID.randomUUID().toString();
        boolean waited = false;
        while (true) {
            SendStep used = step;
            Admission admission;
            Duration left = Duration.between(settings.clock().instant(), deadline);
            Claimant claimant = Claimant.waitingAtMost(claimantId, left.isNegative() ? Claimant.NO_TICKET : left);
            try {
                admission = step.admit(prepared, claimant);
            } catch (BudgetUnavailableException e) {
                if (!settings.localWhenUnavailable()) {
                    throw e;
                }
                LOG.warning(() -> "budget store unreachable (" + e.getMessage() + "); " + prepared.mailbox()
                        + " sends within this process's own budget only (GRAPH_MAILER_BUDGET_UNAVAILABLE_HTTP=local)");
                used = localStep;
                admission = localStep.admit(prepared, claimant);
            }
            if (admission instanceof Admission.Granted granted) {
                deliveries.event(id, DeliveryState.SENDING, "");
                return used.transmit(prepared, id, granted.permit());
            }
            if (admission instanceof Admission.Refused refused) {
                throw new InvalidMailException("toRecipients", refused.detail());
            }
            Admission.Wait wait = (Admission.Wait) admission;
            Instant now = settings.clock().instant();
            // A concurrency slot may free at any moment (its time is only when to look again); the other limits free at
            // a known time, worth waiting for only when it falls within the wait.
            boolean worthWaiting = wait.limit() == BudgetLimit.CONCURRENT_SENDS ? now.isBefore(deadline) : !wait.until().isAfter(deadline);
            if (!worthWaiting) {
                throw new MailboxBudgetExceededException(prepared.mailbox(), wait);
            }
            if (!waited) {
                waited = true;
                deliveries.event(id, DeliveryState.WAITING, wait.limit().settingName());
                LOG.info(() -> "http: waiting up to " + settings.maxWait().toMillis() + " ms for " + prepared.mailbox() + "'s "
                        + wait.limit().settingName() + " budget");
            }
            Instant until = wait.until().isBefore(deadline) ? wait.until() : deadline;
            if (wait.ticketed() && wait.limit() == BudgetLimit.MESSAGES_PER_MINUTE) {
                sleep(Math.max(1, Duration.between(now, until).toMillis())); // nobody else takes the place: wait it out
            } else {
                pause(Duration.between(now, until));
            }
        }
    }

    @Override
    public boolean queues() {
        return queue != null;
    }

    @Override
    public SendReceipt enqueue(SendMailCommand command, String idempotencyKey) {
        return enqueue(command, idempotencyKey, Origin.http(null, idempotencyKey));
    }

    @Override
    public SendReceipt enqueue(SendMailCommand command, String idempotencyKey, Origin origin) {
        if (queue == null) {
            throw new UnsupportedOperationException("no outbox queue");
        }
        SendMailCommand prepared = step.prepare(command);
        MailboxLimits limits = step.budgetPolicy().limitsFor(prepared.mailbox());
        SendCost cost = step.budgetPolicy().costOf(prepared);
        if (cost.recipients() > limits.recipientsPerDay()) {
            // It would wait on the queue for ever: refused now, as a send would be.
            throw new InvalidMailException("toRecipients", prepared.mailbox() + ": the message has " + cost.recipients()
                    + " recipients; the mailbox's budget is " + limits.recipientsPerDay() + " recipients per 24 hours");
        }
        JobMailQueue.JobMail mail = new JobMailQueue.JobMail(command, idempotencyKey, java.time.Duration.ZERO, origin);
        try {
            queue.check(mail);
        } catch (IllegalArgumentException e) {
            throw new InvalidMailException("message", e.getMessage());
        }
        String id = TrackingId.fromIdempotencyKey(idempotencyKey);
        try {
            queue.enqueue(List.of(mail));
        } catch (RuntimeException e) {
            throw new JobRunException(JobRunException.Kind.QUEUE_FAILED, "the outbox queue failed: " + e.getClass().getSimpleName()
                    + "; the message was not queued");
        }
        deliveries.accepted(id, prepared, mail.origin());
        return new SendReceipt(id);
    }

    private static void pause(Duration d) {
        // Re-asked at least every 250 ms: a slot freed by another send is taken soon, at a few store reads per second.
        sleep(Math.max(10, Math.min(d.toMillis(), 250)));
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for the mailbox's budget", e);
        }
    }
}
