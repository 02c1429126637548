package io.graphmailer.adapter.in.http;

import io.graphmailer.application.port.in.MailboxBudgetsUseCase;
import io.graphmailer.domain.budget.BudgetLimit;
import io.graphmailer.domain.budget.MailboxLimits;
import io.graphmailer.domain.budget.MailboxUsage;
import io.smallrye.common.annotation.Blocking;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code GET /api/mailboxes} (behind caller authentication like every /api route): each allowed mailbox's limits, its
 * use now and, per limit, when the next unit frees (null: free now). README "Mailbox budgets".
 */
@Path("/api/mailboxes")
// No @Produces: a caller asking for application/problem+json errors must not get 406 before the resource runs.
public class MailboxesResource {
    private final MailboxBudgetsUseCase budgets;

    public MailboxesResource(MailboxBudgetsUseCase budgets) {
        this.budgets = budgets;
    }

    @GET
    @Blocking
    public Response list() {
        List<Map<String, Object>> out = budgets.mailboxes().stream().map(MailboxesResource::view).toList();
        return Response.ok(out).type(MediaType.APPLICATION_JSON).build();
    }

    private static Map<String, Object> view(MailboxBudgetsUseCase.MailboxBudgetView view) {
        MailboxUsage u = view.usage();
        MailboxLimits l = u.limits();
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("mailbox", view.mailbox().id());
        m.put("transport", view.transport());
        m.put("at", u.at().toString());
        m.put("limits", Map.of("concurrentSends", l.concurrentSends(), "messagesPerMinute", l.messagesPerMinute(),
                "recipientsPerDay", l.recipientsPerDay(), "graphRequestsPerTenMinutes", l.graphRequestsPerTenMinutes()));
        m.put("use", Map.of("inFlight", u.inFlight(), "messagesLastMinute", u.messagesLastMinute(),
                "recipientsLastDay", u.recipientsLastDay(), "graphRequestsLastTenMinutes", u.graphRequestsLastTenMinutes()));
        m.put("dailyShare", Math.round(u.dailyShare() * 1000) / 1000.0);
        Map<String, Object> next = new LinkedHashMap<>();
        next.put("concurrentSends", time(u.nextFree().get(BudgetLimit.CONCURRENT_SENDS)));
        next.put("messagesPerMinute", time(u.nextFree().get(BudgetLimit.MESSAGES_PER_MINUTE)));
        next.put("recipientsPerDay", time(u.nextFree().get(BudgetLimit.RECIPIENTS_PER_DAY)));
        next.put("graphRequestsPerTenMinutes", time(u.nextFree().get(BudgetLimit.GRAPH_REQUESTS)));
        m.put("nextFree", next);
        return m;
    }

    private static String time(Instant at) {
        return at == null ? null : at.toString();
    }
}
