package io.graphmailer.sdk;

import com.azure.core.credential.AccessToken;
import com.azure.core.credential.TokenCredential;
import com.microsoft.graph.models.odataerrors.ODataError;
import com.microsoft.graph.serviceclient.GraphServiceClient;
import com.microsoft.graph.users.item.sendmail.SendMailPostRequestBody;
import com.microsoft.kiota.authentication.AzureIdentityAuthenticationProvider;
import com.microsoft.kiota.http.middleware.options.HeadersInspectionOption;
import com.microsoft.kiota.http.middleware.options.RetryHandlerOption;
import io.graphmailer.application.port.out.MailboxBudget;
import io.graphmailer.domain.Mailbox;
import io.graphmailer.domain.budget.Admission;
import io.graphmailer.domain.budget.MailboxBudgetPolicy;
import io.graphmailer.domain.budget.Permit;
import io.graphmailer.domain.budget.SendCost;
import io.graphmailer.support.BudgetResource;
import io.graphmailer.support.LogCapture;
import io.graphmailer.support.Outbox;
import io.graphmailer.support.TestTokens;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Mono;

import java.net.URL;
import java.time.OffsetDateTime;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

/**
 * Microsoft's Graph Java SDK against a mailbox over its budget: it reads the 429 as {@link ODataError} with graph-mailer's
 * code, and its retry handler waits Retry-After and sends again, which succeeds once the budget frees.
 */
@QuarkusTest
@WithTestResource(BudgetResource.class)
class GraphSdkBudgetTest {
    private static final String SCOPE = TestTokens.AUDIENCE + "/.default";

    @TestHTTPResource("/api")
    URL api;
    @Inject
    MailboxBudget budget;
    @Inject
    MailboxBudgetPolicy policy;

    @BeforeEach
    void clean() {
        Outbox.clear();
    }

    private GraphServiceClient client() {
        TokenCredential credential = context -> Mono.just(new AccessToken(TestTokens.valid(), OffsetDateTime.now().plusHours(1)));
        GraphServiceClient client = new GraphServiceClient(
                new AzureIdentityAuthenticationProvider(credential, new String[]{api.getHost()}, SCOPE));
        client.getRequestAdapter().setBaseUrl(api + "/v1.0");
        return client;
    }

    /** Two recipients (to and cc). */
    private static SendMailPostRequestBody message() {
        SendMailPostRequestBody request = SdkMessages.text("Meet for lunch?", "The new cafeteria is open.", "frannis@contoso.com");
        request.getMessage().setCcRecipients(SdkMessages.recipients("danas@contoso.com"));
        return request;
    }

    @Test
    void givenTheDailyBudgetUsedUp_thenTheSdkThrowsODataErrorMailboxDailyQuotaReachedWithRetryAfter() {
        client().users().byUserId(BudgetResource.SDK_DAILY).sendMail().post(message());

        HeadersInspectionOption headers = new HeadersInspectionOption(false, true);
        // A day's Retry-After: the SDK must not wait for it here, so its retries are switched off for this call.
        ODataError error = catchThrowableOfType(ODataError.class, () -> client().users().byUserId(BudgetResource.SDK_DAILY).sendMail()
                .post(message(), c -> {
                    c.options.add(headers);
                    c.options.add(new RetryHandlerOption((delay, attempt, request, response) -> false, 0, 0));
                }));

        assertThat(error.getResponseStatusCode()).isEqualTo(429);
        assertThat(error.getError().getCode()).isEqualTo("MailboxDailyQuotaReached");
        assertThat(error.getError().getMessage()).contains(BudgetResource.SDK_DAILY).contains("recipients");
        assertThat(Long.parseLong(error.getResponseHeaders().get("Retry-After").iterator().next())).isGreaterThan(24 * 3600L - 1);
        assertThat(Outbox.files()).hasSize(1);
    }

    @Test
    void givenTheMailboxsSlotsHeldLongerThanTheHttpWait_thenTheSdkRetriesAfterRetryAfterAndTheSendSucceeds() throws Exception {
        Mailbox busy = new Mailbox(BudgetResource.SDK_BUSY);
        Admission admission = budget.admit(busy, policy.limitsFor(busy), new SendCost(0, 0));
        Permit held = ((Admission.Granted) admission).permit();
        try (LogCapture log = LogCapture.start()) {
            CompletableFuture<Void> sdkSend = CompletableFuture.runAsync(
                    () -> client().users().byUserId(BudgetResource.SDK_BUSY).sendMail().post(message()));
            // Each request that finds the slot taken waits (1 s), then is answered 429 with Retry-After 1. A second
            // waiting request is the SDK's retry; the slot is freed while it waits.
            while (waits(log) < 2) {
                assertThat(sdkSend).isNotDone();
                Thread.sleep(20);
            }
            budget.release(held, false);

            sdkSend.get(30, TimeUnit.SECONDS);
            assertThat(Outbox.files()).hasSize(1);
        }
    }

    private static long waits(LogCapture log) {
        return log.lines().stream().filter(l -> l.contains("waiting up to") && l.contains(BudgetResource.SDK_BUSY)).count();
    }
}
