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

    record Preview(String jobId, Instant occurrence, long totalMessages, List<PreviewMessage> messages) {
    }

    record RunResult(String jobId, Instant occurrence, int enqueued) {
    }

    List<JobDefinition> jobs();

    Optional<JobDefinition> job(String id);

    /** Renders the first {@code limit} messages of the occurrence at {@code at} without sending anything. */
    Preview preview(String jobId, Instant at, int limit);

    /** Enqueues every message of the occurrence at {@code at} (at most once per recipient, whatever runs it again). */
    RunResult run(String jobId, Instant at);
}
