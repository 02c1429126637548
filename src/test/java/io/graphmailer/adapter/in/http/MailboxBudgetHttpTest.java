package io.graphmailer.adapter.in.http;

import io.graphmailer.application.port.out.MailboxBudget;
import io.graphmailer.domain.Mailbox;
import io.graphmailer.domain.budget.Admission;
import io.graphmailer.domain.budget.MailboxBudgetPolicy;
import io.graphmailer.domain.budget.Permit;
import io.graphmailer.domain.budget.SendCost;
import io.graphmailer.support.BudgetResource;
import io.graphmailer.support.LogCapture;
import io.graphmailer.support.Outbox;
import io.graphmailer.support.SendMailBodies;
import io.graphmailer.support.TestTokens;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.response.ExtractableResponse;
import io.restassured.response.Response;
import jakarta.inject.Inject;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * HTTP sends over a mailbox's budget (limits scaled down per mailbox by {@link BudgetResource}): 429 with the code of the
 * limit's kind, the mailbox and limit named, and Retry-After computed from the window; a short in-process wait for a slot.
 */
@QuarkusTest
@WithTestResource(BudgetResource.class)
class MailboxBudgetHttpTest {
    private static final String TWO_RECIPIENTS = """
            {"message":{"subject":"s","body":{"contentType":"text","content":"c"},
              "toRecipients":[{"emailAddress":{"address":"a@fabrikam.example"}}],
              "ccRecipients":[{"emailAddress":{"address":"b@fabrikam.example"}}]}}
            """;

    @Inject
    MailboxBudget budget;
    @Inject
    MailboxBudgetPolicy policy;

    @BeforeEach
    void clean() {
        Outbox.clear();
    }

    private static ExtractableResponse<Response> send(String mailbox, String body, String accept) {
        var request = given().header("Authorization", TestTokens.bearer()).contentType(ContentType.JSON).body(body);
        if (accept != null) {
            request.header("Accept", accept);
        }
        return request.when().post("/api/users/" + mailbox + "/sendMail").then().extract();
    }

    @Test
    void givenMoreMessagesThanTheMailboxsPerMinuteBudget_then429MailboxRateLimitedWithRetryAfterFromTheWindow() {
        assertThat(send(BudgetResource.MINUTE, SendMailBodies.minimal(), null).statusCode()).isEqualTo(202);
        assertThat(send(BudgetResource.MINUTE, SendMailBodies.minimal(), null).statusCode()).isEqualTo(202);

        ExtractableResponse<Response> refused = send(BudgetResource.MINUTE, SendMailBodies.minimal(), "application/problem+json");

        assertThat(refused.statusCode()).isEqualTo(429);
        assertThat(refused.contentType()).startsWith("application/problem+json");
        // The first message frees its place one minute after it was counted: less than 60 s from now, more than 50.
        assertThat(Long.parseLong(refused.header("Retry-After"))).isBetween(50L, 60L);
        assertThat(refused.jsonPath().getString("error.code")).isEqualTo("MailboxRateLimited");
        assertThat(refused.jsonPath().getInt("status")).isEqualTo(429);
        assertThat(refused.jsonPath().getString("type")).endsWith("/mailbox-rate-limited");
        assertThat(refused.jsonPath().getString("detail")).contains(BudgetResource.MINUTE).contains("messages-per-minute");
        assertThat(refused.jsonPath().getString("errors[0].field")).isEqualTo("mailbox");
        assertThat(Outbox.files()).hasSize(2);
    }

    @Test
    void givenMoreRecipientsThanTheDailyBudgetLeaves_then429MailboxDailyQuotaReachedInGraphsEnvelopeWithRetryAfterADay() {
        assertThat(send(BudgetResource.DAILY, TWO_RECIPIENTS, null).statusCode()).isEqualTo(202);

        ExtractableResponse<Response> refused = send(BudgetResource.DAILY, TWO_RECIPIENTS, null);

        assertThat(refused.statusCode()).isEqualTo(429);
        // No Accept: Graph's own media type and envelope, as a Graph SDK reads it (ADR 0008).
        assertThat(refused.contentType()).startsWith("application/json");
        assertThat(refused.jsonPath().getString("error.code")).isEqualTo("MailboxDailyQuotaReached");
        assertThat(refused.jsonPath().getString("error.message")).contains(BudgetResource.DAILY).contains("recipients");
        assertThat(refused.jsonPath().getString("error.innerError.request-id")).isNotBlank();
        // Counted per minute: the recipients leave the 24-hour window at the end of their minute plus 24 hours.
        assertThat(Long.parseLong(refused.header("Retry-After"))).isBetween(24 * 3600L, 24 * 3600L + 60);
        assertThat(Outbox.files()).hasSize(1);
    }

    @Test
    void givenMoreGraphRequestsThanTheTenMinuteBudget_then429MailboxRateLimitedWithRetryAfterTenMinutes() {
        assertThat(send(BudgetResource.GRAPH, SendMailBodies.minimal(), null).statusCode()).isEqualTo(202);

        ExtractableResponse<Response> refused = send(BudgetResource.GRAPH, SendMailBodies.minimal(), "application/problem+json");

        assertThat(refused.statusCode()).isEqualTo(429);
        assertThat(refused.jsonPath().getString("error.code")).isEqualTo("MailboxRateLimited");
        assertThat(refused.jsonPath().getString("detail")).contains("graph-requests-per-ten-minutes");
        assertThat(Long.parseLong(refused.header("Retry-After"))).isBetween(600L, 660L);
    }

    @Test
    void givenEveryConcurrencySlotHeldPastTheHttpWait_then429MailboxRateLimitedWithRetryAfterOneSecond() {
        Mailbox busy = new Mailbox(BudgetResource.BUSY);
        Permit held = hold(busy);
        try {
            ExtractableResponse<Response> refused = send(BudgetResource.BUSY, SendMailBodies.minimal(), "application/problem+json");

            assertThat(refused.statusCode()).isEqualTo(429);
            assertThat(refused.jsonPath().getString("error.code")).isEqualTo("MailboxRateLimited");
            assertThat(refused.jsonPath().getString("detail")).contains("concurrent-sends").contains("1 sends in flight");
            assertThat(refused.header("Retry-After")).isEqualTo("1");
            assertThat(Outbox.files()).isEmpty();
        } finally {
            budget.release(held, false);
        }
    }

    @Test
    void givenASlotThatFreesWithinTheHttpWait_thenTheSendWaitsForItAndIsAccepted() throws Exception {
        Mailbox busy = new Mailbox(BudgetResource.BUSY);
        Permit held = hold(busy);
        try (LogCapture log = LogCapture.start()) {
            CompletableFuture<ExtractableResponse<Response>> pending =
                    CompletableFuture.supplyAsync(() -> send(BudgetResource.BUSY, SendMailBodies.minimal(), null));
            // Released only once the send is certainly waiting for the slot.
            while (log.lines().stream().noneMatch(l -> l.contains("waiting up to") && l.contains(BudgetResource.BUSY))) {
                assertThat(pending).isNotDone();
                Thread.sleep(20);
            }
            budget.release(held, false);

            assertThat(pending.get(10, TimeUnit.SECONDS).statusCode()).isEqualTo(202);
            assertThat(Outbox.files()).hasSize(1);
        }
    }

    /** Takes the mailbox's one slot in the app's own budget, as another send in flight would. */
    private Permit hold(Mailbox mailbox) {
        Admission admission = budget.admit(mailbox, policy.limitsFor(mailbox), new SendCost(0, 0));
        assertThat(admission).isInstanceOf(Admission.Granted.class);
        return ((Admission.Granted) admission).permit();
    }
}
