package io.graphmailer.wiring;

import io.graphmailer.adapter.out.jobs.LocationReader;
import io.graphmailer.application.port.out.JobMessageRenderer;
import io.graphmailer.config.GraphMailerConfig;
import io.graphmailer.domain.SenderNotAllowedException;
import io.graphmailer.domain.SenderPolicy;
import io.graphmailer.domain.job.JobDefinition;
import io.graphmailer.domain.job.JobDefinitionException;
import io.graphmailer.format.jobs.JobDefinitionReader;

import java.util.ArrayList;
import java.util.List;

/** The job definitions of GRAPH_MAILER_JOBS_JSON or GRAPH_MAILER_JOBS_LOCATION, read and checked at start. */
final class JobDefinitions {
    private JobDefinitions() {
    }

    /** Reads, checks and compiles every job; one exception lists every problem, each naming job and field. */
    static List<JobDefinition> load(GraphMailerConfig.Jobs jobs, LocationReader locations, JobMessageRenderer renderer, SenderPolicy senders) {
        JobDefinitionReader reader = new JobDefinitionReader();
        List<JobDefinition> definitions;
        if (jobs.json().isPresent()) {
            definitions = reader.read(jobs.json().get(), "GRAPH_MAILER_JOBS_JSON");
        } else if (jobs.location().isPresent()) {
            String location = jobs.location().get();
            // A blob (or another https location) may need the managed identity: GRAPH_MAILER_JOBS_LOCATION_SCOPE.
            definitions = reader.read(locations.readText(location, jobs.locationScope().orElse(null)), location);
        } else {
            return List.of();
        }
        List<String> problems = new ArrayList<>();
        for (JobDefinition job : definitions) {
            try {
                senders.requireAllowed(job.mailbox());
            } catch (SenderNotAllowedException e) {
                problems.add("job '" + job.id() + "': mailbox " + job.mailbox() + " is not on GRAPH_MAILER_ALLOWED_SENDERS");
            }
            try {
                renderer.prepare(job);
            } catch (JobDefinitionException e) {
                problems.add(e.getMessage());
            }
        }
        if (!problems.isEmpty()) {
            throw new JobDefinitionReader.InvalidJobsException(jobs.json().isPresent() ? "GRAPH_MAILER_JOBS_JSON" : jobs.location().get(), problems);
        }
        return definitions;
    }
}
