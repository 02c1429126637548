package io.graphmailer.adapter.in.http;

import io.graphmailer.domain.budget.BudgetUnavailableException;
import jakarta.ws.rs.core.Response;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** GRAPH_MAILER_BUDGET_UNAVAILABLE_HTTP=refuse: the use case's refusal as the caller sees it. */
class BudgetUnavailableProblemTest {

    @Test
    void givenTheBudgetStoreUnreachable_then503ServiceUnavailableWithRetryAfter() {
        Response r = new ProblemMappers().budgetUnavailable(new BudgetUnavailableException("budget table: connection refused", null), null);

        assertThat(r.getStatus()).isEqualTo(503);
        assertThat(r.getHeaderString("Retry-After")).isEqualTo("30");
        assertThat((String) r.getEntity()).contains("\"code\":\"ServiceUnavailable\"").contains("/problems/budget-unavailable")
                .doesNotContain("connection refused");
    }
}
