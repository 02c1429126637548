package io.graphmailer.adapter.out.graph;

import io.graphmailer.format.graph.GraphRequestBody;
import io.graphmailer.format.graph.TrackingMessageId;

import com.microsoft.graph.core.requests.GraphClientFactory;
import com.microsoft.graph.core.requests.options.GraphClientOption;
import com.microsoft.kiota.http.middleware.RetryHandler;
import com.microsoft.kiota.http.middleware.options.RetryHandlerOption;
import io.graphmailer.adapter.out.identity.AccessToken;
import io.graphmailer.adapter.out.identity.JwtClaims;
import io.graphmailer.adapter.out.mime.MimeMessageFactory;
import io.graphmailer.adapter.out.identity.AccessTokenProvider;
import io.graphmailer.application.port.out.AttachmentContentSource;
import io.graphmailer.application.port.out.MailTransport;
import io.graphmailer.domain.Attachment;
import io.graphmailer.domain.EmailMessage;
import io.graphmailer.domain.MimeContent;
import io.graphmailer.domain.SendMailCommand;
import okhttp3.MediaType;
import okhttp3.OkHttpClient;
import okhttp3.RequestBody;
import okhttp3.Response;
import org.jboss.logging.Logger;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;

/**
 * Sends through Microsoft Graph app-only {@code POST /users/{mailbox}/sendMail}, over graph-core's
 * HTTP pipeline (telemetry, retry middleware). Only 429 is retried in-request, and only while the
 * service's Retry-After stays within a bound: sendMail has no idempotency key, so anything that may
 * already have been accepted (5xx, timeouts) is reported, never silently repeated.
 */
public final class GraphMailSender implements MailTransport {
    public static final String GRAPH_SCOPE = "https://graph.microsoft.com/.default";
    private static final Logger LOG = Logger.getLogger(GraphMailSender.class);
    private static final MediaType JSON = MediaType.get("application/json");
    private static final MediaType TEXT = MediaType.get("text/plain");

    /** Default bytes per upload-session PUT: 12 x 320 KiB, under Graph's 4 MB per range. */
    public static final int DEFAULT_UPLOAD_CHUNK_BYTES = 12 * 320 * 1024;

    private final OkHttpClient http;
    private final String baseUrl;
    private final AccessTokenProvider tokens;
    private final DraftUpload drafts;
    private final MimeMessageFactory mimeFactory = new MimeMessageFactory();

    public GraphMailSender(OkHttpClient http, String baseUrl, AccessTokenProvider tokens) {
        this(http, baseUrl, tokens, AttachmentContentSource.NONE, DEFAULT_UPLOAD_CHUNK_BYTES);
    }

    /**
     * @param attachments where attachments by reference are read from (streamed while uploading)
     * @param uploadChunkBytes bytes per upload-session PUT (a multiple of 320 KiB, at most 4 MiB)
     */
    public GraphMailSender(OkHttpClient http, String baseUrl, AccessTokenProvider tokens, AttachmentContentSource attachments,
                           int uploadChunkBytes) {
        this.http = http;
        this.baseUrl = baseUrl.endsWith("/") ? baseUrl.substring(0, baseUrl.length() - 1) : baseUrl;
        this.tokens = tokens;
        this.drafts = new DraftUpload(http, this.baseUrl, tokens, attachments, uploadChunkBytes);
    }

    /** Default budget of one call's in-request 429 retries, waits included. */
    public static final Duration DEFAULT_RETRY_BUDGET = Duration.ofSeconds(30);

    public static OkHttpClient httpClient(Duration timeout, int maxThrottleRetries, Duration maxThrottleWait) {
        return httpClient(timeout, maxThrottleRetries, maxThrottleWait, DEFAULT_RETRY_BUDGET);
    }

    /**
     * graph-core's client with a retry policy that only repeats 429s whose Retry-After fits {@code maxThrottleWait}, while
     * the whole sequence (waits included) stays within {@code retryBudget}. {@code timeout} bounds each attempt on its own
     * (connect, each read and write), not the sequence: a 429 is a definite "not sent", so however long the retries took,
     * the last answer is what counts (OkHttp's callTimeout would span the retries and turn throttling into "unknown").
     */
    public static OkHttpClient httpClient(Duration timeout, int maxThrottleRetries, Duration maxThrottleWait, Duration retryBudget) {
        long maxWaitSeconds = Math.max(0, maxThrottleWait.toSeconds());
        RetryHandlerOption retry = new RetryHandlerOption((delay, attempt, request, response) -> {
            long wait = retryAfterSeconds(response, 1);
            return response.code() == 429 && wait <= maxWaitSeconds && GraphHttp.withinBudget(request, Duration.ofSeconds(wait), retryBudget);
        }, Math.max(0, Math.min(maxThrottleRetries, RetryHandlerOption.MAX_RETRIES)), 1);
        Duration connect = timeout.compareTo(Duration.ofSeconds(10)) < 0 ? timeout : Duration.ofSeconds(10);
        return GraphClientFactory.create(new GraphClientOption(), new RetryHandler(retry))
                .readTimeout(timeout)
                .writeTimeout(timeout)
                .connectTimeout(connect)
                .retryOnConnectionFailure(false) // a silent re-send could deliver twice
                .build();
    }

    @Override
    public String name() {
        return "graph";
    }

    @Override
    public void send(SendMailCommand command, String trackingId) {
        if (command.content() instanceof EmailMessage m && m.attachments().stream().anyMatch(Attachment::isReference)) {
            // Large files: a draft, an upload session per large attachment, then the draft's send (needs Mail.ReadWrite).
            drafts.send(command.mailbox(), m, command.saveToSentItems(), trackingId);
            LOG.infof("graph: message %s from %s accepted (draft with uploaded attachments)", trackingId, command.mailbox());
            return;
        }
        RequestBody body;
        if (command.content() instanceof EmailMessage m) {
            if (m.hasTextAlternative() && command.saveToSentItems()) {
                // Graph's JSON has room for one body; its MIME form carries text and HTML as multipart/alternative
                // (and always keeps a copy in Sent Items, hence only when that is wanted).
                jakarta.mail.internet.MimeMessage message = mimeFactory.create(command.mailbox(), m, trackingId);
                setMessageId(message, TrackingMessageId.of(command.mailbox(), trackingId));
                byte[] mime = mimeFactory.toBytes(message);
                body = RequestBody.create(Base64.getEncoder().encodeToString(mime), TEXT);
            } else {
                body = RequestBody.create(GraphRequestBody.sendMail(m, command.saveToSentItems(),
                        TrackingMessageId.of(command.mailbox(), trackingId)), JSON);
            }
        } else {
            body = RequestBody.create(Base64.getEncoder().encodeToString(((MimeContent) command.content()).mime()), TEXT);
        }
        String url = baseUrl + "/v1.0/users/" + URLEncoder.encode(command.mailbox().id(), StandardCharsets.UTF_8) + "/sendMail";
        AccessToken token = tokens.token(GRAPH_SCOPE);
        GraphHttp.Answer outcome = post(url, body, token, trackingId);
        if (outcome.status() == 401) {
            // A cached token the resource no longer accepts (revoked, clock skew): one retry with a fresh one.
            token = tokens.freshToken(GRAPH_SCOPE);
            outcome = post(url, body, token, trackingId);
        }
        if (outcome.status() == 202) {
            LOG.infof("graph: message %s from %s accepted", trackingId, command.mailbox());
            return;
        }
        throw GraphErrors.translate(outcome.status(), outcome.retryAfterSeconds(), outcome.code(), outcome.message(),
                command.mailbox().id(), JwtClaims.roles(token.value()));
    }

    GraphHttp.Answer post(String url, RequestBody body, AccessToken token, String trackingId) {
        return GraphHttp.execute(http, GraphHttp.request("POST", url, body, token, trackingId), trackingId);
    }

    /** The factory has saved the message, so the id set here is the one written (it is not regenerated). */
    private static void setMessageId(jakarta.mail.internet.MimeMessage message, String id) {
        try {
            message.setHeader("Message-ID", id);
        } catch (jakarta.mail.MessagingException e) {
            throw new IllegalStateException(e);
        }
    }

    static long retryAfterSeconds(Response response, long fallback) {
        return GraphHttp.retryAfterSeconds(response, fallback);
    }

}
