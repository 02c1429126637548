package io.graphmailer.adapter.in.functions;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.graphmailer.application.port.in.RunScheduledJobsUseCase;
import io.graphmailer.application.port.in.RunScheduledJobsUseCase.OccurrenceOutcome;
import io.graphmailer.application.port.in.RunScheduledJobsUseCase.Report;
import io.smallrye.common.annotation.Blocking;
import io.vertx.core.http.HttpServerRequest;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.Response;
import org.jboss.logging.Logger;

import java.io.IOException;
import java.time.Clock;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The timer-triggered function {@value #NAME} (one timer for all jobs, docs/adr/0003): the host posts
 * each tick here with {@code IsPastDue} and {@code ScheduleStatus}. Every job occurrence due since the
 * host's {@code Last} is enqueued. A failed occurrence still answers 200 (docs/adr/0011): a custom
 * handler's non-2xx answer makes the host drop the invocation's {@code Logs}, so the failure is told
 * by the body instead: {@code ReturnValue} is {@code {"status":"failed","failedJobs":[...]}} (or
 * {@code {"status":"ok","failedJobs":[]}}), the first log line starts with {@value #FAILED_MARKER},
 * and each failed occurrence is logged at ERROR by the app itself (its own log reaches Application
 * Insights whatever the host does with the answer). The timer does not retry a failed occurrence; the
 * next one runs as usual and {@code POST /api/jobs/{id}/run} re-runs the failed one safely.
 */
@Path("/" + NotificationJobsFunction.NAME)
public class NotificationJobsFunction {
    public static final String NAME = "NotificationJobs";
    /** The timerTrigger binding's name in functions/NotificationJobs/function.json. */
    public static final String BINDING = "timer";
    private static final Logger LOG = Logger.getLogger(NotificationJobsFunction.class);
    private static final ObjectMapper MAPPER = new ObjectMapper();
    /** First log line of a tick with a failed occurrence: a fixed text to search and alert on. */
    public static final String FAILED_MARKER = "NotificationJobs FAILED";
    /** What the host sends as Last before the first run. */
    private static final int NEVER_YEAR = 1;

    private final RunScheduledJobsUseCase useCase;
    private final Clock clock;

    public NotificationJobsFunction(RunScheduledJobsUseCase useCase) {
        this.useCase = useCase;
        this.clock = Clock.systemUTC();
    }

    @POST
    @Blocking
    public Response invoke(byte[] body, @Context HttpServerRequest request) {
        if (!HostOnly.isLocal(request)) {
            return HostOnly.refusal();
        }
        RunScheduledJobsUseCase.Tick tick;
        try {
            FunctionsInvocation invocation = FunctionsInvocation.parse(body);
            // The host's own time of the invocation when it sends one, else ours.
            Instant hostNow = instant(invocation.metadata().path("sys").path("UtcNow").asText(null));
            tick = tick(invocation, hostNow != null ? hostNow : clock.instant());
        } catch (IOException | IllegalArgumentException e) {
            return FunctionsResponse.logs("invocation body is not the Functions host's timer JSON").withStatus(400);
        }
        Report report = useCase.runDue(tick);
        List<String> failedJobs = report.occurrences().stream()
                .filter(o -> o.outcome() == RunScheduledJobsUseCase.Outcome.FAILED)
                .map(OccurrenceOutcome::jobId).distinct().toList();
        List<String> lines = new ArrayList<>();
        if (!failedJobs.isEmpty()) {
            String summary = FAILED_MARKER + ": " + failedJobs.size() + " job(s) failed: " + String.join(", ", failedJobs);
            lines.add(summary);
            LOG.error(summary);
        }
        String head = "tick " + tick.now() + (tick.pastDue() ? " (past due)" : "") + ": occurrences in (" + report.from() + ", " + report.to() + "]";
        lines.add(head);
        LOG.info(head);
        for (OccurrenceOutcome o : report.occurrences()) {
            String line = "job " + o.jobId() + " @ " + o.occurrence() + ": " + o.outcome() + " (" + o.messages() + " message(s))"
                    + (o.detail() == null ? "" : " - " + o.detail());
            lines.add(line);
            if (o.outcome() == RunScheduledJobsUseCase.Outcome.FAILED) {
                LOG.error(line);
            } else {
                LOG.info(line);
            }
        }
        Map<String, Object> result = Map.of("status", failedJobs.isEmpty() ? "ok" : "failed", "failedJobs", failedJobs);
        // 200 even when a job failed: a non-2xx answer would lose these Logs (docs/adr/0011).
        return new FunctionsResponse(Map.of(), lines, result).withStatus(200);
    }

    static RunScheduledJobsUseCase.Tick tick(FunctionsInvocation invocation, Instant now) throws IOException {
        JsonNode timer = invocation.data().get(BINDING);
        if (timer != null && timer.isTextual()) {
            timer = MAPPER.readTree(FunctionsInvocation.unwrap(timer.asText()));
        }
        if (timer == null || !timer.isObject()) {
            throw new IllegalArgumentException("no timer binding");
        }
        boolean pastDue = timer.path("IsPastDue").asBoolean(false);
        Instant last = null;
        JsonNode status = timer.get("ScheduleStatus");
        if (status != null && status.isObject()) {
            last = instant(status.path("Last").asText(null));
        }
        return new RunScheduledJobsUseCase.Tick(now, last, pastDue);
    }

    private static Instant instant(String text) {
        if (text == null || text.isBlank()) {
            return null;
        }
        try {
            OffsetDateTime t = OffsetDateTime.parse(text);
            return t.getYear() <= NEVER_YEAR ? null : t.toInstant();
        } catch (DateTimeParseException e) {
            return null;
        }
    }
}
