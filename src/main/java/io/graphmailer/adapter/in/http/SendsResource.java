package io.graphmailer.adapter.in.http;

import io.graphmailer.application.port.in.DeliveriesUseCase;
import io.graphmailer.domain.InvalidMailException;
import io.graphmailer.domain.Mailbox;
import io.graphmailer.domain.Violation;
import io.graphmailer.domain.delivery.DeliveryEvent;
import io.graphmailer.domain.delivery.DeliveryPage;
import io.graphmailer.domain.delivery.DeliveryQuery;
import io.graphmailer.domain.delivery.DeliveryRecord;
import io.graphmailer.domain.delivery.DeliveryState;
import io.smallrye.common.annotation.Blocking;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * {@code GET /api/sends/{trackingId}} and {@code GET /api/sends?mailbox=&state=&since=&until=&pageSize=&pageToken=}
 * (caller authentication like every /api route): a message's delivery record, and a filtered list. A caller sees only
 * what its own app sent unless it holds {@link Caller#ADMIN_ROLE}; another app's tracking id answers 404 as an unknown one
 * does. README "Delivery log".
 */
@Path("/api/sends")
// No @Produces: a caller asking for application/problem+json errors must not get 406 before the resource runs.
public class SendsResource {
    static final int DEFAULT_PAGE_SIZE = 50;

    private final DeliveriesUseCase deliveries;

    public SendsResource(DeliveriesUseCase deliveries) {
        this.deliveries = deliveries;
    }

    @GET
    @Path("{trackingId}")
    @Blocking
    public Response find(@PathParam("trackingId") String trackingId, @Context ContainerRequestContext request) {
        if (!io.graphmailer.domain.Guid.isGuid(trackingId)) {
            throw badParameter("trackingId", "is not a tracking id (a GUID, as the send's answer gave it)");
        }
        Caller caller = Caller.of(request);
        DeliveryRecord record = deliveries.find(trackingId.toLowerCase(Locale.ROOT), caller.admin() ? null : caller.appId())
                .orElseThrow(() -> new ProblemException(Problem.of(404, "send-not-found", "No such send",
                        "no message with tracking id " + trackingId.toLowerCase(Locale.ROOT) + " was sent by your application",
                        "ResourceNotFound")));
        return Response.ok(view(record, true)).type(MediaType.APPLICATION_JSON).build();
    }

    @GET
    @Blocking
    public Response list(@QueryParam("mailbox") String mailbox, @QueryParam("state") String state, @QueryParam("since") String since,
                         @QueryParam("until") String until, @QueryParam("pageSize") String pageSize,
                         @QueryParam("pageToken") String pageToken, @Context ContainerRequestContext request) {
        Caller caller = Caller.of(request);
        Instant from = time("since", since);
        Instant to = time("until", until);
        if (from != null && to != null && !from.isBefore(to)) {
            throw badParameter("until", "must be later than since");
        }
        DeliveryQuery query = new DeliveryQuery(mailbox(mailbox), state(state), from, to, caller.admin() ? null : caller.appId(),
                pageSize(pageSize), pageToken == null || pageToken.isEmpty() ? null : pageToken);
        DeliveryPage page;
        try {
            page = deliveries.list(query);
        } catch (IllegalArgumentException e) {
            throw badParameter("pageToken", "is not a page token this service gave (use nextPageToken of the page before)");
        }
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("value", page.records().stream().map(r -> view(r, false)).toList());
        out.put("nextPageToken", page.nextPageToken());
        return Response.ok(out).type(MediaType.APPLICATION_JSON).build();
    }

    private static String mailbox(String value) {
        if (value == null || value.isEmpty()) {
            return null;
        }
        try {
            return new Mailbox(value.trim()).key();
        } catch (InvalidMailException e) {
            throw badParameter("mailbox", "is not a mailbox address (UPN) or user object id");
        }
    }

    private static DeliveryState state(String value) {
        if (value == null || value.isEmpty()) {
            return null;
        }
        try {
            return DeliveryState.valueOf(value.trim().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw badParameter("state", "is not one of " + java.util.Arrays.stream(DeliveryState.values())
                    .map(s -> s.name().toLowerCase(Locale.ROOT)).toList());
        }
    }

    private static Instant time(String name, String value) {
        if (value == null || value.isEmpty()) {
            return null;
        }
        try {
            return Instant.parse(value.trim());
        } catch (DateTimeParseException e) {
            try {
                return java.time.OffsetDateTime.parse(value.trim()).toInstant();
            } catch (DateTimeParseException again) {
                throw badParameter(name, "is not an ISO 8601 time with zone, e.g. 2026-12-01T09:00:00Z");
            }
        }
    }

    private static int pageSize(String value) {
        if (value == null || value.isEmpty()) {
            return DEFAULT_PAGE_SIZE;
        }
        try {
            int n = Integer.parseInt(value.trim());
            if (n >= 1 && n <= DeliveryQuery.MAX_PAGE_SIZE) {
                return n;
            }
        } catch (NumberFormatException e) {
            // below
        }
        throw badParameter("pageSize", "must be a whole number from 1 to " + DeliveryQuery.MAX_PAGE_SIZE);
    }

    static ProblemException badParameter(String name, String why) {
        return new ProblemException(Problem.of(400, "invalid-parameter", "Invalid query parameter", name + " " + why, "BadRequest")
                .withErrors(List.of(new Violation(name, why))));
    }

    private static Map<String, Object> view(DeliveryRecord r, boolean history) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("trackingId", r.trackingId());
        m.put("state", r.state().name().toLowerCase(Locale.ROOT));
        m.put("acceptedAt", r.acceptedAt().toString());
        m.put("updatedAt", r.updatedAt().toString());
        m.put("graphRequestId", r.graphRequestId());
        if (r.facts() != null) {
            m.put("mailbox", r.facts().mailbox());
            m.put("trigger", r.facts().trigger().name().toLowerCase(Locale.ROOT));
            m.put("callerApp", r.facts().callerApp());
            m.put("idempotencyKey", r.facts().idempotencyKey());
            m.put("recipientCount", r.facts().recipientCount());
            m.put("sizeBytes", r.facts().sizeBytes());
            if (!r.facts().recipients().isEmpty()) {
                m.put("recipients", r.facts().recipients());
            }
        }
        if (history) {
            m.put("history", r.history().stream().map(SendsResource::event).toList());
        }
        return m;
    }

    private static Map<String, Object> event(DeliveryEvent e) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("at", e.at().toString());
        m.put("state", e.state().name().toLowerCase(Locale.ROOT));
        m.put("reason", e.reason());
        return m;
    }
}
