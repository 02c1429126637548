package io.graphmailer.sdk;

import com.azure.core.credential.AccessToken;
import com.azure.core.credential.TokenCredential;
import com.microsoft.graph.core.requests.GraphClientFactory;
import com.microsoft.graph.models.odataerrors.ODataError;
import com.microsoft.graph.serviceclient.GraphServiceClient;
import com.microsoft.graph.users.item.sendmail.SendMailPostRequestBody;
import com.microsoft.kiota.authentication.AzureIdentityAuthenticationProvider;
import io.graphmailer.adapter.out.identity.DeviceCodeSignIn;
import io.graphmailer.standin.GraphStandin;
import io.graphmailer.standin.Standins;
import io.graphmailer.support.AzuriteResource;
import io.graphmailer.support.DelegatedResource;
import io.graphmailer.support.StandinsResource;
import io.graphmailer.support.TestTokens;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Mono;

import java.net.URL;
import java.time.OffsetDateTime;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

/**
 * Microsoft's Graph Java SDK, with its default middleware (retry handler included), sending as a delegated mailbox
 * through graph-mailer: signed in, the message goes to Graph as {@code /me/sendMail} with the signed-in account's token;
 * nobody signed in, the SDK reads graph-mailer's 503 as {@link ODataError} {@code MailboxSignInRequired} naming the
 * command, after the calls its retry handler makes.
 */
@QuarkusTest
@WithTestResource(StandinsResource.class)
@WithTestResource(value = AzuriteResource.class, initArgs = @ResourceArg(name = "name", value = "sdkdelegated"))
@WithTestResource(value = DelegatedResource.class, initArgs = @ResourceArg(name = "name", value = "sdkdelegated"))
class GraphJavaSdkDelegatedTest {
    private static final String SCOPE = TestTokens.AUDIENCE + "/.default";
    private static final String CONTAINER = "sdkdelegated";
    /** Kiota's default retry handler: the first call and three retries (about 15 s in all, which the README states). */
    private static final int EXPECTED_CALLS_ON_503 = 4;

    @TestHTTPResource("/api")
    URL api;

    private final Standins standins = Standins.shared();
    private final GraphStandin graph = standins.graph();
    /** Requests the SDK put on the wire to graph-mailer, retries included. */
    private final AtomicInteger calls = new AtomicInteger();

    @BeforeEach
    void setUp() {
        standins.reset();
        new StandinsResource().prepare(standins);
        DelegatedResource.prepare(standins, Set.of(DeviceCodeSignIn.GRAPH_MAIL_SEND));
        DelegatedResource.signOut(CONTAINER, DelegatedResource.MAILBOX);
        calls.set(0);
    }

    /** As the README's "Using a Graph SDK" says; the SDK's own HTTP client and middleware, plus a counter on the wire. */
    private GraphServiceClient client() {
        TokenCredential credential = context -> Mono.just(new AccessToken(TestTokens.valid(), OffsetDateTime.now().plusHours(1)));
        okhttp3.OkHttpClient http = GraphClientFactory.create()
                .addNetworkInterceptor(chain -> {
                    calls.incrementAndGet();
                    return chain.proceed(chain.request());
                }).build();
        GraphServiceClient client = new GraphServiceClient(
                new AzureIdentityAuthenticationProvider(credential, new String[]{api.getHost()}, SCOPE), http);
        client.getRequestAdapter().setBaseUrl(api + "/v1.0");
        return client;
    }

    private static SendMailPostRequestBody message() {
        return SdkMessages.text("Réunion à 10 h ✓", "Bonjour, la réunion est déplacée.", "frannis@contoso.com");
    }

    @Test
    void givenASignedInDelegatedMailbox_whenTheSdkSendsAsIt_thenGraphGetsItThroughMeWithTheAccountsToken() {
        DelegatedResource.signIn(standins, CONTAINER, DelegatedResource.MAILBOX);

        client().users().byUserId(DelegatedResource.MAILBOX).sendMail().post(message());

        assertThat(calls.get()).as("one call, no retry").isEqualTo(1);
        assertThat(graph.requests()).anySatisfy(r -> {
            assertThat(r.path()).isEqualTo("/v1.0/me/sendMail");
            assertThat(r.status()).isEqualTo(202);
        });
        assertThat(graph.acceptedMessages(DelegatedResource.MAILBOX)).singleElement().satisfies(m -> {
            assertThat(m.appId()).as("the public client's delegated token, not the app's").isEqualTo(DelegatedResource.PUBLIC_CLIENT_ID);
            assertThat(m.json().path("message").path("subject").asText()).isEqualTo("Réunion à 10 h ✓");
            assertThat(m.json().path("message").path("toRecipients").get(0).path("emailAddress").path("address").asText())
                    .isEqualTo("frannis@contoso.com");
        });
    }

    @Test
    void givenADelegatedMailboxNobodySignedIn_thenTheSdkThrowsODataErrorMailboxSignInRequiredNamingTheCommand() {
        int graphBefore = graph.requests().size();

        ODataError e = catchThrowableOfType(ODataError.class,
                () -> client().users().byUserId(DelegatedResource.NEVER_SIGNED_IN).sendMail().post(message()));

        assertThat(e).isNotNull();
        assertThat(e.getResponseStatusCode()).isEqualTo(503);
        assertThat(e.getError().getCode()).isEqualTo("MailboxSignInRequired");
        assertThat(e.getError().getMessage()).contains(DelegatedResource.NEVER_SIGNED_IN).contains("graph-mailer signin");
        assertThat(calls.get()).as("graph-mailer answers without Retry-After; the SDK's retry handler tries again on a 503")
                .isEqualTo(EXPECTED_CALLS_ON_503);
        assertThat(graph.acceptedMessages(DelegatedResource.NEVER_SIGNED_IN)).isEmpty();
        assertThat(graph.requests()).as("no call to Graph for a mailbox without a token").hasSize(graphBefore);
    }
}
