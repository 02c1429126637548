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

    /** @param batchSize messages handed to the queue at a time (and at most held in memory while enqueueing) */
    public ManageJobsService(List<JobDefinition> definitions, JobMessageRenderer renderer, RecipientRowSource rows,
                             AttachmentSource attachments, JobMailQueue queue, SenderPolicy senderPolicy, MailLimits limits, int batchSize) {
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
        long total = messages.forEachMessage(job, occurrence, (mail, rendered) -> {
            if (previews.size() < limit) {
                previews.add(JobMessages.preview(mail, rendered));
            }
        }, limit);
        return new Preview(job.id(), occurrence.scheduledAt(), total, previews);
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
        try {
            messages.forEachMessage(job, occurrence, (mail, rendered) -> {
                batch.add(mail);
                if (batch.size() >= batchSize) {
                    queue.enqueue(List.copyOf(batch));
                    enqueued[0] += batch.size();
                    batch.clear();
                }
            }, Long.MAX_VALUE);
            if (!batch.isEmpty()) {
                queue.enqueue(List.copyOf(batch));
                enqueued[0] += batch.size();
                batch.clear();
            }
        } catch (JobRunException e) {
            throw partial(what, enqueued[0], total, e.getMessage());
        } catch (RuntimeException e) {
            throw partial(what, enqueued[0], total, "the outbox queue failed: " + e.getClass().getSimpleName() + ": " + e.getMessage());
        }
        LOG.info(() -> what + ": " + enqueued[0] + " message(s) enqueued");
        return new RunResult(job.id(), occurrence.scheduledAt(), enqueued[0]);
    }

    private static JobRunException partial(String what, int enqueued, long total, String cause) {
        return new JobRunException(JobRunException.Kind.QUEUE_FAILED, what + ": " + enqueued + " of " + total
                + " message(s) enqueued before " + cause + ". Run the occurrence again (POST /api/jobs/{id}/run?at=<occurrence>):"
                + " the idempotency keys keep the enqueued ones from being sent twice");
    }
}
