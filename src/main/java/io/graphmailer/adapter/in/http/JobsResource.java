package io.graphmailer.adapter.in.http;

import io.graphmailer.application.port.in.ManageJobsUseCase;
import io.graphmailer.config.GraphMailerConfig;
import io.graphmailer.domain.Violation;
import io.graphmailer.domain.job.JobDefinition;
import io.graphmailer.domain.job.Recipients;
import io.smallrye.common.annotation.Blocking;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

import java.net.URI;
import java.time.Clock;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Scheduled jobs for their authors and operators, behind caller authentication like every /api route:
 * list them, preview an occurrence's mail without sending, run one occurrence now.
 */
@Path("/api/jobs")
// No @Produces: a caller asking for application/problem+json errors must not get 406 before the resource runs.
public class JobsResource {
    private final ManageJobsUseCase jobs;
    private final GraphMailerConfig config;
    private final Clock clock = Clock.systemUTC();

    public JobsResource(ManageJobsUseCase jobs, GraphMailerConfig config) {
        this.jobs = jobs;
        this.config = config;
    }

    @GET
    public Response list() {
        Instant now = clock.instant();
        return Response.ok(jobs.jobs().stream().map(job -> summary(job, now)).toList()).type(MediaType.APPLICATION_JSON).build();
    }

    @GET
    @Path("/{id}/preview")
    @Blocking
    public Response preview(@PathParam("id") String id, @QueryParam("at") String at, @QueryParam("limit") Integer limit) {
        int max = config.jobs().previewLimit();
        int n = limit == null ? Math.min(5, max) : Math.max(1, Math.min(limit, max));
        return Response.ok(jobs.preview(id, at(at), n)).type(MediaType.APPLICATION_JSON).build();
    }

    @POST
    @Path("/{id}/run")
    @Blocking
    public Response run(@PathParam("id") String id, @QueryParam("at") String at) {
        return Response.accepted(jobs.run(id, at(at))).type(MediaType.APPLICATION_JSON).build();
    }

    // Refusals (a bad time here, a JobRunException from the use case) are thrown, so ProblemMappers renders them
    // like every other error.
    private Instant at(String text) {
        if (text == null || text.isBlank()) {
            return clock.instant();
        }
        try {
            return OffsetDateTime.parse(text).toInstant();
        } catch (DateTimeParseException e) {
            String detail = "at must be an ISO-8601 time with offset, e.g. 2025-01-06T09:00:00+01:00 or 2025-01-06T08:00:00Z";
            throw new ProblemException(Problem.of(400, "invalid-request", "Invalid occurrence time", detail, "BadRequest")
                    .withErrors(List.of(new Violation("at", detail))));
        }
    }

    private static Map<String, Object> summary(JobDefinition job, Instant now) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("id", job.id());
        m.put("schedule", job.schedule().expression());
        m.put("timeZone", job.timeZone().getId());
        m.put("next", job.schedule().next(now, job.timeZone()).map(Instant::toString).orElse(null));
        m.put("mailbox", job.mailbox().id());
        m.put("enabled", job.enabled());
        m.put("pastDue", job.pastDue().name().toLowerCase().replace('_', '-'));
        if (job.recipients() instanceof Recipients.Static s) {
            m.put("recipients", s.count());
        } else if (job.recipients() instanceof Recipients.PerRow row) {
            m.put("dataSource", URI.create(row.source().url()).getHost());
        }
        return m;
    }
}
