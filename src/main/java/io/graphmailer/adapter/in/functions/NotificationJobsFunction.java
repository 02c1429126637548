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
 * host's {@code Last} is enqueued. A failed occurrence answers 500 so the invocation shows as failed
 * (the timer does not retry it; the next occurrence runs as usual and {@code POST /api/jobs/{id}/run}
 * re-runs the failed one safely).
 */
@Path("/" + NotificationJobsFunction.NAME)
public class NotificationJobsFunction {
    public static final String NAME = "NotificationJobs";
    /** The timerTrigger binding's name in functions/NotificationJobs/function.json. */
    public static final String BINDING = "timer";
    private static final Logger LOG = Logger.getLogger(NotificationJobsFunction.class);
    private static final ObjectMapper MAPPER = new ObjectMapper();
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
        List<String> lines = new ArrayList<>();
        lines.add("tick " + tick.now() + (tick.pastDue() ? " (past due)" : "") + ": occurrences in (" + report.from() + ", " + report.to() + "]");
        for (OccurrenceOutcome o : report.occurrences()) {
            lines.add("job " + o.jobId() + " @ " + o.occurrence() + ": " + o.outcome() + " (" + o.messages() + " message(s))"
                    + (o.detail() == null ? "" : " - " + o.detail()));
        }
        lines.forEach(report.anyFailed() ? LOG::error : LOG::info);
        return new FunctionsResponse(Map.of(), lines, null).withStatus(report.anyFailed() ? 500 : 200);
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
