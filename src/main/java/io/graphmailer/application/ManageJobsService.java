package io.graphmailer.application;

import io.graphmailer.application.port.in.ManageJobsUseCase;
import io.graphmailer.domain.job.JobDefinition;

import java.time.Instant;
import java.util.List;
import java.util.Optional;

/** For a job's author and operators: the jobs, a preview of an occurrence's mail, one occurrence run now. */
public class ManageJobsService implements ManageJobsUseCase {
    private final JobOccurrences occurrences;

    public ManageJobsService(JobOccurrences occurrences) {
        this.occurrences = occurrences;
    }

    @Override
    public List<JobDefinition> jobs() {
        return occurrences.jobs();
    }

    @Override
    public Optional<JobDefinition> job(String id) {
        return occurrences.job(id);
    }

    @Override
    public Preview preview(String jobId, Instant at, int limit) {
        return occurrences.preview(occurrences.require(jobId), at, limit);
    }

    @Override
    public RunResult run(String jobId, Instant at) {
        return occurrences.enqueue(occurrences.require(jobId), at);
    }
}
