package io.graphmailer.adapter.in.http;

import io.graphmailer.application.port.in.DeadLetterUseCase;
import io.graphmailer.application.port.in.DeadLetterUseCase.Selection;
import io.graphmailer.domain.Violation;
import io.graphmailer.domain.deadletter.DeadLetterEntry;
import io.graphmailer.domain.deadletter.DeadLetterFilter;
import io.graphmailer.domain.deadletter.DeadLetterPage;
import io.graphmailer.domain.deadletter.DeadLetterReport;
import io.smallrye.common.annotation.Blocking;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Dead-lettered and poisoned mail for operators: list, show, replay, purge. Only callers holding the app role
 * {@value Caller#ADMIN_ROLE} (caller auth entra), or the Functions host's master key in host-key mode (the DeadLetter
 * function has authLevel admin, ADR 0018). Filters: {@code queue} (deadletter|poison), {@code code}, {@code mailbox},
 * {@code olderThan} and {@code newerThan} (ISO-8601 durations, e.g. PT1H); {@code dryRun=true} changes nothing.
 */
@Path("/api/deadletter")
public class DeadLetterResource {
    static final int MAX_PAGE = 500;

    private final DeadLetterUseCase deadLetters;

    public DeadLetterResource(DeadLetterUseCase deadLetters) {
        this.deadLetters = deadLetters;
    }

    @GET
    @Blocking
    public Response list(@Context ContainerRequestContext request, @QueryParam("queue") String queue, @QueryParam("code") String code,
                         @QueryParam("mailbox") String mailbox, @QueryParam("olderThan") String olderThan,
                         @QueryParam("newerThan") String newerThan, @QueryParam("offset") Integer offset,
                         @QueryParam("limit") Integer limit) {
        requireOperator(request);
        int n = limit == null ? 50 : limit;
        if (n < 1 || n > MAX_PAGE) {
            throw badRequest("limit", "limit must be between 1 and " + MAX_PAGE);
        }
        if (offset != null && offset < 0) {
            throw badRequest("offset", "offset must be 0 or more");
        }
        DeadLetterPage page = deadLetters.list(filter(queue, code, mailbox, olderThan, newerThan), offset == null ? 0 : offset, n);
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("entries", page.entries().stream().map(e -> summary(e, false)).toList());
        body.put("total", page.total());
        body.put("nextOffset", page.nextOffset());
        body.put("complete", page.complete());
        return json(Response.ok(body));
    }

    @GET
    @Path("/{id}")
    @Blocking
    public Response show(@Context ContainerRequestContext request, @PathParam("id") String id) {
        requireOperator(request);
        DeadLetterEntry entry = deadLetters.show(id).orElseThrow(() -> notFound(id));
        return json(Response.ok(summary(entry, true)));
    }

    @POST
    @Path("/{id}/replay")
    @Blocking
    public Response replayOne(@Context ContainerRequestContext request, @PathParam("id") String id, @QueryParam("dryRun") boolean dryRun) {
        Caller caller = requireOperator(request);
        DeadLetterReport report = deadLetters.replay(Selection.byId(id), caller.appId(), dryRun);
        if (report.matched() == 0) {
            throw notFound(id);
        }
        return json(Response.ok(report(report)));
    }

    @POST
    @Path("/replay")
    @Blocking
    public Response replay(@Context ContainerRequestContext request, @QueryParam("queue") String queue, @QueryParam("code") String code,
                           @QueryParam("mailbox") String mailbox, @QueryParam("olderThan") String olderThan,
                           @QueryParam("newerThan") String newerThan, @QueryParam("all") boolean all, @QueryParam("dryRun") boolean dryRun) {
        Caller caller = requireOperator(request);
        DeadLetterFilter filter = filter(queue, code, mailbox, olderThan, newerThan);
        requireNarrowedOrAll(filter, all);
        return json(Response.ok(report(deadLetters.replay(Selection.byFilter(filter), caller.appId(), dryRun))));
    }

    @DELETE
    @Path("/{id}")
    @Blocking
    public Response purgeOne(@Context ContainerRequestContext request, @PathParam("id") String id, @QueryParam("dryRun") boolean dryRun) {
        requireOperator(request);
        DeadLetterReport report = deadLetters.purge(Selection.byId(id), dryRun);
        if (report.matched() == 0) {
            throw notFound(id);
        }
        return json(Response.ok(report(report)));
    }

    @POST
    @Path("/purge")
    @Blocking
    public Response purge(@Context ContainerRequestContext request, @QueryParam("queue") String queue, @QueryParam("code") String code,
                          @QueryParam("mailbox") String mailbox, @QueryParam("olderThan") String olderThan,
                          @QueryParam("newerThan") String newerThan, @QueryParam("all") boolean all, @QueryParam("dryRun") boolean dryRun) {
        requireOperator(request);
        DeadLetterFilter filter = filter(queue, code, mailbox, olderThan, newerThan);
        requireNarrowedOrAll(filter, all);
        return json(Response.ok(report(deadLetters.purge(Selection.byFilter(filter), dryRun))));
    }

    /**
     * Admin role, or host-key mode: there only the DeadLetter function forwards /api/deadletter, and its authLevel admin
     * means the host has checked the master key (startup refuses host-key otherwise).
     */
    static Caller requireOperator(ContainerRequestContext request) {
        Caller caller = Caller.of(request);
        if (caller.admin() || caller == Caller.HOST_KEY) {
            return caller;
        }
        throw new ProblemException(Problem.of(403, "forbidden", "Forbidden",
                "dead-letter operations need the app role " + Caller.ADMIN_ROLE + "; the calling application "
                        + caller.appId() + " does not hold it", "Authorization_RequestDenied"));
    }

    private static void requireNarrowedOrAll(DeadLetterFilter filter, boolean all) {
        if (filter.matchesAll() && !all) {
            throw badRequest("all", "name a filter (queue, code, mailbox, olderThan, newerThan), or all=true to act on every entry");
        }
    }

    static DeadLetterFilter filter(String queue, String code, String mailbox, String olderThan, String newerThan) {
        Optional<DeadLetterEntry.Kept> kept;
        try {
            kept = blank(queue) ? Optional.empty() : Optional.of(DeadLetterEntry.Kept.fromWire(queue.trim()));
        } catch (IllegalArgumentException e) {
            throw badRequest("queue", e.getMessage());
        }
        return new DeadLetterFilter(kept, Optional.ofNullable(code), Optional.ofNullable(mailbox), duration("olderThan", olderThan),
                duration("newerThan", newerThan));
    }

    private static Optional<Duration> duration(String field, String text) {
        if (blank(text)) {
            return Optional.empty();
        }
        try {
            Duration d = Duration.parse(text.trim());
            if (d.isNegative()) {
                throw badRequest(field, field + " must not be negative");
            }
            return Optional.of(d);
        } catch (DateTimeParseException e) {
            throw badRequest(field, field + " must be an ISO-8601 duration, e.g. PT30M, PT6H or P2D");
        }
    }

    private static boolean blank(String s) {
        return s == null || s.isBlank();
    }

    static ProblemException badRequest(String field, String detail) {
        return new ProblemException(Problem.of(400, "invalid-request", "Invalid request", detail, "BadRequest")
                .withErrors(List.of(new Violation(field, detail))));
    }

    private static ProblemException notFound(String id) {
        return new ProblemException(Problem.of(404, "not-found", "No such entry",
                "no dead-letter or poison entry has the id " + id, "ErrorItemNotFound"));
    }

    private static Response json(Response.ResponseBuilder b) {
        return b.type(MediaType.APPLICATION_JSON).build();
    }

    /** Metadata for the list; {@code withOriginal} (show) adds the producer's envelope, for an operator to judge it. */
    static Map<String, Object> summary(DeadLetterEntry e, boolean withOriginal) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("id", e.id());
        m.put("queue", e.queue().wireName());
        m.put("code", e.code());
        m.put("reason", e.reason());
        m.put("keptAt", e.keptAt().toString());
        m.put("mailbox", e.mailbox());
        m.put("trackingId", e.trackingId());
        m.put("idempotencyKey", e.idempotencyKey());
        if (withOriginal) {
            m.put("original", e.original());
        }
        return m;
    }

    static Map<String, Object> report(DeadLetterReport r) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("dryRun", r.dryRun());
        m.put("matched", r.matched());
        m.put(r.dryRun() ? "wouldAct" : "done", r.done());
        m.put("skipped", r.skipped());
        m.put("failed", r.failed());
        m.put("ids", r.ids());
        m.put("complete", r.complete());
        return m;
    }
}
