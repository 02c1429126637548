package io.graphmailer.application;

import io.graphmailer.application.port.in.ManageJobsUseCase;
import io.graphmailer.application.port.out.AttachmentSource;
import io.graphmailer.application.port.out.JobMailQueue;
import io.graphmailer.application.port.out.JobMailQueue.JobMail;
import io.graphmailer.application.port.out.JobMessageRenderer;
import io.graphmailer.application.port.out.RecipientRowSource;
import io.graphmailer.domain.MailLimits;
import io.graphmailer.domain.SenderPolicy;
import io.graphmailer.domain.job.JobDefinition;
import io.graphmailer.domain.job.Occurrence;

import io.graphmailer.application.port.in.ManageJobsUseCase.Schedule;
import io.graphmailer.application.port.out.MailboxBudget;
import io.graphmailer.domain.budget.BudgetUnavailableException;
import io.graphmailer.domain.budget.EnqueueSpread;
import io.graphmailer.domain.budget.MailboxBudgetPolicy;
import io.graphmailer.domain.budget.MailboxUsage;
import io.graphmailer.domain.budget.SendCost;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.logging.Logger;

/**
 * For a job's author and operators: the loaded jobs, a preview of an occurrence's mail, and one occurrence run (now, or by
 * the timer through {@link RunScheduledJobsService}). An occurrence's messages go on the
 * outbox queue, each with a key derived from job, occurrence and recipient. An occurrence is checked completely first
 * (source read to the end, every message rendered and validated) and only then enqueued, in batches, streaming the rows
 * again: a failing source or a bad row enqueues nothing.
 */
public class ManageJobsService implements ManageJobsUseCase {
    private static final Logger LOG = Logger.getLogger(ManageJobsService.class.getName());

    private final Map<String, JobDefinition> jobs = new LinkedHashMap<>();
    private final JobMessages messages;
    private final JobMailQueue queue;
    private final int batchSize;
    private final MailboxBudget budget;
    private final MailboxBudgetPolicy budgetPolicy;
    private final Clock clock;
    private final DeliveryRecorder deliveries;

    /** Without a budget: every message is enqueued visible at once. */
    public ManageJobsService(List<JobDefinition> definitions, JobMessageRenderer renderer, RecipientRowSource rows,
                             AttachmentSource attachments, JobMailQueue queue, SenderPolicy senderPolicy, MailLimits limits, int batchSize) {
        this(definitions, renderer, rows, attachments, queue, senderPolicy, limits, batchSize, null, null, Clock.systemUTC());
    }

    /**
     * @param batchSize messages handed to the queue at a time (and at most held in memory while enqueueing)
     * @param budget    the mailboxes' budget an occurrence is spread over ({@link EnqueueSpread}); null for none
     */
    public ManageJobsService(List<JobDefinition> definitions, JobMessageRenderer renderer, RecipientRowSource rows,
                             AttachmentSource attachments, JobMailQueue queue, SenderPolicy senderPolicy, MailLimits limits, int batchSize,
                             MailboxBudget budget, MailboxBudgetPolicy budgetPolicy, Clock clock) {
        this(definitions, renderer, rows, attachments, queue, senderPolicy, limits, batchSize, budget, budgetPolicy, clock,
                DeliveryRecorder.NONE);
    }

    /** @param deliveries where each enqueued message's record is created (trigger JOB), just before its batch is enqueued */
    public ManageJobsService(List<JobDefinition> definitions, JobMessageRenderer renderer, RecipientRowSource rows,
                             AttachmentSource attachments, JobMailQueue queue, SenderPolicy senderPolicy, MailLimits limits, int batchSize,
                             MailboxBudget budget, MailboxBudgetPolicy budgetPolicy, Clock clock, DeliveryRecorder deliveries) {
        this.deliveries = deliveries;
        this.budget = budget;
        this.budgetPolicy = budgetPolicy;
        this.clock = clock;
        for (JobDefinition job : definitions) {
            if (jobs.putIfAbsent(job.id(), job) != null) {
                throw new IllegalArgumentException("job '" + job.id() + "': id is used by more than one job");
            }
        }
        this.messages = new JobMessages(renderer, rows, attachments, queue, senderPolicy, limits);
        this.queue = queue;
        this.batchSize = batchSize;
    }

    @Override
    public List<JobDefinition> jobs() {
        return List.copyOf(jobs.values());
    }

    @Override
    public Optional<JobDefinition> job(String id) {
        return Optional.ofNullable(jobs.get(id));
    }

    @Override
    public Preview preview(String jobId, Instant at, int limit) {
        JobDefinition job = require(jobId);
        Occurrence occurrence = new Occurrence(job.id(), at);
        List<PreviewMessage> previews = new ArrayList<>();
        EnqueueSpread spread = spread(job);
        SendCost[] lastCost = {null};
        long[] seen = {0};
        long[] recipients = {0};
        long total = messages.forEachMessage(job, occurrence, (mail, rendered) -> {
            if (previews.size() < limit) {
                previews.add(JobMessages.preview(mail, rendered));
            }
            seen[0]++;
            if (budgetPolicy != null) {
                lastCost[0] = budgetPolicy.costOf(mail.command());
                recipients[0] += lastCost[0].recipients();
                if (spread != null) {
                    spread.next(lastCost[0]);
                }
            }
        }, limit);
        // Rows past the preview's limit are not rendered: each is one message to one recipient.
        if (lastCost[0] != null) {
            SendCost perRow = new SendCost(1, lastCost[0].graphRequests());
            for (long i = seen[0]; i < total; i++) {
                recipients[0]++;
                if (spread != null) {
                    spread.next(perRow);
                }
            }
        }
        Schedule schedule = spread == null ? new Schedule(recipients[0], null, null, null, null, null)
                : new Schedule(recipients[0], spread.limits().messagesPerMinute(), spread.limits().recipientsPerDay(),
                spread.recipientsLeftToday(), spread.days(), later(occurrence.scheduledAt()).plus(spread.lastDelay()));
        return new Preview(job.id(), occurrence.scheduledAt(), total, previews, schedule);
    }

    /** The spread starts when the occurrence is enqueued: now, or its time if that is later. */
    private Instant later(Instant occurrenceAt) {
        Instant now = clock.instant();
        return occurrenceAt.isAfter(now) ? occurrenceAt : now;
    }

    /** The occurrence's spread from the mailbox's budget use now; null without a budget or when it cannot be read. */
    private EnqueueSpread spread(JobDefinition job) {
        if (budget == null) {
            return null;
        }
        try {
            MailboxUsage usage = budget.usage(job.mailbox(), budgetPolicy.limitsFor(job.mailbox()));
            return new EnqueueSpread(usage);
        } catch (BudgetUnavailableException e) {
            LOG.warning(() -> "job '" + job.id() + "': the mailbox budget cannot be read (" + e.getMessage()
                    + "); its messages are enqueued visible at once and wait on the queue for their budget");
            return null;
        }
    }

    private JobDefinition require(String jobId) {
        JobDefinition job = jobs.get(jobId);
        if (job == null) {
            throw new JobRunException(JobRunException.Kind.UNKNOWN_JOB, "no job with id '" + jobId + "'");
        }
        return job;
    }

    @Override
    public RunResult run(String jobId, Instant at) {
        JobDefinition job = require(jobId);
        Occurrence occurrence = new Occurrence(job.id(), at);
        String what = "job '" + job.id() + "', occurrence " + occurrence.scheduledAt();
        // Pass 1: everything is read, rendered and checked; nothing is enqueued yet.
        long total = messages.forEachMessage(job, occurrence, (mail, rendered) -> { }, Long.MAX_VALUE);
        // Pass 2: the same messages again, enqueued in batches.
        List<JobMail> batch = new ArrayList<>(batchSize);
        int[] enqueued = {0};
        EnqueueSpread spread = spread(job);
        try {
            messages.forEachMessage(job, occurrence, (mail, rendered) -> {
                batch.add(spread == null ? mail : mail.withDelay(spread.next(budgetPolicy.costOf(mail.command()))));
                if (batch.size() >= batchSize) {
                    enqueue(batch);
                    enqueued[0] += batch.size();
                    batch.clear();
                }
            }, Long.MAX_VALUE);
            if (!batch.isEmpty()) {
                enqueue(batch);
                enqueued[0] += batch.size();
                batch.clear();
            }
        } catch (JobRunException e) {
            throw partial(what, enqueued[0], total, e.getMessage());
        } catch (RuntimeException e) {
            throw partial(what, enqueued[0], total, "the outbox queue failed: " + e.getClass().getSimpleName() + ": " + e.getMessage());
        }
        Instant last = spread == null ? clock.instant() : spread.lastMessageAt();
        if (spread != null && spread.days() > 0) {
            LOG.info(() -> what + ": " + spread.recipients() + " recipients pass the mailbox's " + spread.recipientsLeftToday()
                    + " left today; spread over " + (spread.days() + 1) + " days, the last message at " + last
                    + (spread.capped() > 0 ? " (" + spread.capped() + " held at the queue's 7-day limit, deferred again there)" : ""));
        }
        LOG.info(() -> what + ": " + enqueued[0] + " message(s) enqueued, the last visible at " + last);
        return new RunResult(job.id(), occurrence.scheduledAt(), enqueued[0], last);
    }

    /**
     * The records first (ACCEPTED, trigger JOB), so that in dev, where the queue sends at once, the send's events follow
     * the acceptance; a batch that then fails to enqueue leaves ACCEPTED records, which the re-run completes.
     */
    private void enqueue(List<JobMail> batch) {
        for (JobMail mail : batch) {
            deliveries.accepted(io.graphmailer.domain.TrackingId.fromIdempotencyKey(mail.idempotencyKey()), mail.command(), mail.origin());
        }
        queue.enqueue(List.copyOf(batch));
    }

    private static JobRunException partial(String what, int enqueued, long total, String cause) {
        return new JobRunException(JobRunException.Kind.QUEUE_FAILED, what + ": " + enqueued + " of " + total
                + " message(s) enqueued before " + cause + ". Run the occurrence again (POST /api/jobs/{id}/run?at=<occurrence>):"
                + " the idempotency keys keep the enqueued ones from being sent twice");
    }
}
