package io.graphmailer.application.port.in;

import io.graphmailer.domain.job.JobDefinition;

import java.time.Instant;
import java.util.List;
import java.util.Optional;

/** For a job's author and operators: list jobs, preview an occurrence's mail, run one occurrence now. */
public interface ManageJobsUseCase {

    /** One rendered message, as the author checks it. */
    record PreviewMessage(String idempotencyKey, String subject, String bodyType, String body, String text,
                          List<String> to, List<String> cc, List<String> bcc, List<String> attachments) {
    }

    /**
     * How the occurrence's messages are spread over the mailbox's budget: its recipients, the limits it is spread by,
     * today's recipients left, how many days past today it reaches and when its last message goes out (becomes visible
     * on the queue). Null fields when the budget could not be read.
     */
    record Schedule(long recipients, Integer messagesPerMinute, Integer recipientsPerDay, Integer recipientsLeftToday, Integer days,
                    Instant lastMessageAt) {
    }

    record Preview(String jobId, Instant occurrence, long totalMessages, List<PreviewMessage> messages, Schedule schedule) {
    }

    record RunResult(String jobId, Instant occurrence, int enqueued, Instant lastMessageAt) {
    }

    List<JobDefinition> jobs();

    Optional<JobDefinition> job(String id);

    /** Renders the first {@code limit} messages of the occurrence at {@code at} without sending anything. */
    Preview preview(String jobId, Instant at, int limit);

    /** Enqueues every message of the occurrence at {@code at} (at most once per recipient, whatever runs it again). */
    RunResult run(String jobId, Instant at);
}
