package io.graphmailer.adapter.out.graph;

import com.microsoft.graph.core.requests.GraphClientFactory;
import com.microsoft.graph.core.requests.options.GraphClientOption;
import com.microsoft.kiota.http.middleware.RetryHandler;
import com.microsoft.kiota.http.middleware.options.RetryHandlerOption;
import io.graphmailer.adapter.out.graph.GraphHttp.Answer;
import io.graphmailer.adapter.out.identity.AccessToken;
import io.graphmailer.adapter.out.identity.AccessTokenProvider;
import io.graphmailer.adapter.out.identity.JwtClaims;
import io.graphmailer.config.GraphMailerConfig;
import io.graphmailer.domain.MailTransportException;
import io.graphmailer.domain.Mailbox;
import jakarta.annotation.PreDestroy;
import jakarta.inject.Inject;
import jakarta.inject.Singleton;
import org.jboss.logging.Logger;
import okhttp3.MediaType;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.RequestBody;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;

/**
 * The process's one Graph client, shared by sendMail, the draft path, the Sent Items copy and the Sent Items lookup:
 * one OkHttp client (built on first use), the app's token on every call with one retry on a fresh token after a 401,
 * and Graph's error answers in the operator's words ({@link GraphErrors}).
 */
@Singleton
final class GraphClient {
    private static final Logger LOG = Logger.getLogger(GraphClient.class);
    static final String GRAPH_SCOPE = "https://graph.microsoft.com/.default";
    static final MediaType JSON = MediaType.get("application/json");

    /** Default budget of one call's in-request 429 retries, waits included. */
    static final Duration DEFAULT_RETRY_BUDGET = Duration.ofSeconds(30);

    private final String baseUrl;
    private final AccessTokenProvider tokens;
    private final Duration timeout;
    private final int maxThrottleRetries;
    private final Duration maxThrottleWait;
    private final Duration retryBudget;
    private volatile OkHttpClient http;
    /** Delegated mailboxes send with the signed-in account's token (README "Delegated mode"); all others with the app's. */
    private volatile io.graphmailer.domain.DelegatedMailboxes delegated = io.graphmailer.domain.DelegatedMailboxes.NONE;
    private volatile java.util.function.Supplier<io.graphmailer.adapter.out.identity.DelegatedTokenProvider> delegatedTokens = () -> null;
    /** Whether a Graph call has been answered yet (the start-up timeline's "first Graph call" point is logged once). */
    private volatile boolean answered;
    /** A span per Graph request and the throttles inside the retries ({@link GraphCallSpans}); no-op until CDI injects the bean. */
    @Inject
    io.graphmailer.application.port.out.Telemetry telemetry = io.graphmailer.application.port.out.Telemetry.NONE;

    @Inject
    GraphClient(GraphMailerConfig config, AccessTokenProvider tokens, io.graphmailer.domain.DelegatedMailboxes delegated,
                jakarta.enterprise.inject.Instance<io.graphmailer.adapter.out.identity.DelegatedTokenProvider> delegatedTokens) {
        this(config.graph().baseUrl(), tokens, config.graph().timeout(), config.graph().maxThrottleRetries(),
                config.graph().maxThrottleWait(), config.graph().retryBudget());
        delegated(delegated, delegatedTokens::get); // built only when a delegated mailbox sends
    }

    /** Which mailboxes are delegated and where their tokens come from. */
    void delegated(io.graphmailer.domain.DelegatedMailboxes mailboxes,
                   java.util.function.Supplier<io.graphmailer.adapter.out.identity.DelegatedTokenProvider> tokens) {
        this.delegated = mailboxes;
        this.delegatedTokens = tokens;
    }

    /**
     * The sendMail URL of {@code mailbox}: {@code /me/sendMail} for a delegated mailbox that signs in itself,
     * {@code /users/{mailbox}/sendMail} otherwise (app-only, or a shared mailbox sent as with Mail.Send.Shared).
     */
    String sendMailUrl(Mailbox mailbox) {
        boolean me = delegated.delegation(mailbox).map(d -> !d.shared()).orElse(false);
        return me ? baseUrl + "/v1.0/me/sendMail" : user(mailbox) + "/sendMail";
    }

    /** Whether {@code mailbox} sends with a signed-in account's delegated token. */
    boolean isDelegated(Mailbox mailbox) {
        return delegated.isDelegated(mailbox);
    }

    /** A Graph call as {@code mailbox}: its delegated token when it is delegated, else the app's; a 401 is retried once with a fresh one. */
    Answer callAs(Mailbox mailbox, String method, String url, RequestBody body, String trackingId) {
        if (!delegated.isDelegated(mailbox)) {
            return call(method, url, body, trackingId);
        }
        io.graphmailer.adapter.out.identity.DelegatedTokenProvider provider = delegatedTokens.get();
        String scope = io.graphmailer.adapter.out.identity.DeviceCodeSignIn.GRAPH_MAIL_SEND;
        Answer answer = execute(GraphHttp.request(method, url, body, provider.token(mailbox, scope), trackingId), trackingId);
        if (answer.status() == 401) {
            answer = execute(GraphHttp.request(method, url, body, provider.freshToken(mailbox, scope), trackingId), trackingId);
        }
        return answer;
    }

    GraphClient(String baseUrl, AccessTokenProvider tokens, Duration timeout, int maxThrottleRetries, Duration maxThrottleWait,
                Duration retryBudget) {
        this.baseUrl = baseUrl.endsWith("/") ? baseUrl.substring(0, baseUrl.length() - 1) : baseUrl;
        this.tokens = tokens;
        this.timeout = timeout;
        this.maxThrottleRetries = maxThrottleRetries;
        this.maxThrottleWait = maxThrottleWait;
        this.retryBudget = retryBudget;
    }

    GraphClient(String baseUrl, AccessTokenProvider tokens, Duration timeout, int maxThrottleRetries, Duration maxThrottleWait) {
        this(baseUrl, tokens, timeout, maxThrottleRetries, maxThrottleWait, DEFAULT_RETRY_BUDGET);
    }

    String baseUrl() {
        return baseUrl;
    }

    /** {@code <base>/v1.0/users/<mailbox>}, the mailbox URL-encoded. */
    String user(Mailbox mailbox) {
        return baseUrl + "/v1.0/users/" + URLEncoder.encode(mailbox.id(), StandardCharsets.UTF_8);
    }

    /** A Graph call with the app's token; a 401 (a cached token the resource no longer accepts) is retried once with a fresh one. */
    Answer call(String method, String url, RequestBody body, String trackingId) {
        Answer answer = execute(GraphHttp.request(method, url, body, tokens.token(GRAPH_SCOPE), trackingId), trackingId);
        if (answer.status() == 401) {
            answer = execute(GraphHttp.request(method, url, body, tokens.freshToken(GRAPH_SCOPE), trackingId), trackingId);
        }
        return answer;
    }

    Answer call(String method, String url, byte[] json, String trackingId) {
        return call(method, url, json == null ? null : RequestBody.create(json, JSON), trackingId);
    }

    /** A request as built, e.g. to a pre-authenticated upload URL that must carry no token. */
    Answer execute(Request request, String trackingId) {
        Answer answer = GraphHttp.execute(http(), request, trackingId);
        if (!answered) {
            answered = true;
            LOG.infof("startup: first Graph call answered %d, %d ms after JVM start", answer.status(), sinceJvmStartMillis());
        }
        return answer;
    }

    private static long sinceJvmStartMillis() {
        return ProcessHandle.current().info().startInstant()
                .map(started -> Duration.between(started, java.time.Instant.now()).toMillis()).orElse(-1L);
    }

    /** Graph's error answer as the failure of a send as {@code mailbox}, naming the roles the app's token carries. */
    MailTransportException error(Answer answer, Mailbox mailbox) {
        var delegation = delegated.delegation(mailbox);
        if (delegation.isPresent() && "ErrorSendAsDenied".equals(answer.code())) {
            // Fixed by an Exchange admin, not by the sender: queued mail waits for it as for a sign-in (up to the wait).
            Mailbox account = delegation.get().account();
            return new io.graphmailer.domain.SignInRequiredException(mailbox, "ErrorSendAsDenied", "the signed-in account " + account
                    + " has no Send As on it (ErrorSendAsDenied)", "(Exchange Online PowerShell) Add-RecipientPermission -Identity "
                    + mailbox.id() + " -Trustee " + account.id() + " -AccessRights SendAs", null);
        }
        return GraphErrors.translate(answer.status(), answer.retryAfterSeconds(), answer.code(), answer.message(), mailbox.id(), roles());
    }

    private List<String> roles() {
        try {
            AccessToken token = tokens.token(GRAPH_SCOPE);
            return JwtClaims.roles(token.value());
        } catch (RuntimeException e) {
            return List.of();
        }
    }

    /** The one OkHttp client, built on first use (package-private for the test that there is one per process). */
    OkHttpClient http() {
        OkHttpClient client = http;
        if (client == null) {
            synchronized (this) {
                client = http;
                if (client == null) {
                    client = httpClient(timeout, maxThrottleRetries, maxThrottleWait, retryBudget)
                            .addNetworkInterceptor(new GraphCallSpans(() -> telemetry)).build();
                    http = client;
                }
            }
        }
        return client;
    }

    @PreDestroy
    void close() {
        OkHttpClient client = http;
        if (client != null) {
            client.dispatcher().executorService().shutdown();
            client.connectionPool().evictAll();
        }
    }

    /**
     * graph-core's client with a retry policy that only repeats 429s whose Retry-After fits {@code maxThrottleWait}, while
     * the whole sequence (waits included) stays within {@code retryBudget}. {@code timeout} bounds each attempt on its own
     * (connect, each read and write), not the sequence: a 429 is a definite "not sent", so however long the retries took,
     * the last answer is what counts (OkHttp's callTimeout would span the retries and turn throttling into "unknown").
     */
    private static OkHttpClient.Builder httpClient(Duration timeout, int maxThrottleRetries, Duration maxThrottleWait, Duration retryBudget) {
        long maxWaitSeconds = Math.max(0, maxThrottleWait.toSeconds());
        RetryHandlerOption retry = new RetryHandlerOption((delay, attempt, request, response) -> {
            long wait = GraphHttp.retryAfterSeconds(response, 1);
            return response.code() == 429 && wait <= maxWaitSeconds && GraphHttp.withinBudget(request, Duration.ofSeconds(wait), retryBudget);
        }, Math.max(0, Math.min(maxThrottleRetries, RetryHandlerOption.MAX_RETRIES)), 1);
        Duration connect = timeout.compareTo(Duration.ofSeconds(10)) < 0 ? timeout : Duration.ofSeconds(10);
        return GraphClientFactory.create(new GraphClientOption(), new RetryHandler(retry))
                .readTimeout(timeout)
                .writeTimeout(timeout)
                .connectTimeout(connect)
                .retryOnConnectionFailure(false); // a silent re-send could deliver twice
    }
}
