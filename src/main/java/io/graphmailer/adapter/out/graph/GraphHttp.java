package io.graphmailer.adapter.out.graph;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.microsoft.kiota.http.ObservabilityOptions;
import io.graphmailer.adapter.out.identity.AccessToken;
import io.graphmailer.domain.MailTransportException;
import io.graphmailer.domain.MailTransportException.Kind;
import io.opentelemetry.api.trace.Span;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.RequestBody;
import okhttp3.Response;
import okhttp3.ResponseBody;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.net.ConnectException;
import java.net.UnknownHostException;
import java.time.Duration;

/** One Graph request and its answer, read once, over graph-core's OkHttp pipeline; {@link GraphClient} is what adapters call. */
final class GraphHttp {
    private static final ObjectMapper MAPPER = new ObjectMapper();
    private static final ObservabilityOptions OBSERVABILITY = new ObservabilityOptions();

    /** Status, the JSON body if any, Graph's error code and message, Retry-After in seconds, and Graph's request-id header. */
    record Answer(int status, JsonNode json, String code, String message, Long retryAfterSeconds, String requestId) {
        Answer(int status, JsonNode json, String code, String message, Long retryAfterSeconds) {
            this(status, json, code, message, retryAfterSeconds, null);
        }
    }

    /** When the first attempt of a call went out (System.nanoTime), for the retry budget. */
    record FirstSent(long nanos) {
    }

    private GraphHttp() {
    }

    /** True when waiting {@code wait} more keeps the call's retries within {@code budget} since its first attempt. */
    static boolean withinBudget(Request request, Duration wait, Duration budget) {
        FirstSent first = request.tag(FirstSent.class);
        long elapsed = first == null ? 0 : System.nanoTime() - first.nanos();
        return elapsed + wait.toNanos() <= budget.toNanos();
    }

    static Request request(String method, String url, RequestBody body, AccessToken token, String trackingId) {
        return preAuthenticated(method, url, body, trackingId).header("Authorization", "Bearer " + token.value()).build();
    }

    /** The common headers and tags without a token, as a pre-authenticated URL (an upload session's) needs: a bearer token there fails. */
    static Request.Builder preAuthenticated(String method, String url, RequestBody body, String trackingId) {
        return new Request.Builder().url(url)
                .method(method, body)
                .header("client-request-id", trackingId)
                .header("return-client-request-id", "true")
                // graph-core's middleware expects the span its request adapter would attach; we call OkHttp directly. The
                // caller's (the send's), so that the retry handler's own spans join the send's trace instead of being roots.
                .tag(ObservabilityOptions.class, OBSERVABILITY)
                .tag(Span.class, Span.current())
                .tag(FirstSent.class, new FirstSent(System.nanoTime()));
    }

    /**
     * @throws MailTransportException TRANSIENT when Graph could not be reached (nothing was sent),
     *                                OUTCOME_UNKNOWN when the call broke or timed out after the request went out
     */
    static Answer execute(OkHttpClient http, Request request, String trackingId) {
        try (Response response = http.newCall(request).execute()) {
            JsonNode json = null;
            ResponseBody body = response.body();
            if (body != null && body.contentLength() != 0) {
                try {
                    json = MAPPER.readTree(body.byteStream());
                } catch (IOException e) {
                    json = null; // an unreadable error body still has its status
                }
            }
            JsonNode error = json == null ? null : json.path("error");
            String code = error == null ? null : error.path("code").asText(null);
            String message = error == null ? null : error.path("message").asText(null);
            Long retryAfter = response.header("Retry-After") == null ? null : retryAfterSeconds(response, 0);
            return new Answer(response.code(), json, code, message, retryAfter, response.header("request-id"));
        } catch (ConnectException | UnknownHostException e) {
            throw new MailTransportException(Kind.TRANSIENT, "GraphUnreachable", "Microsoft Graph at " + request.url().host()
                    + " is unreachable (" + e.getClass().getSimpleName() + "); nothing was sent", null, e);
        } catch (InterruptedIOException e) {
            throw new MailTransportException(Kind.OUTCOME_UNKNOWN, "GraphTimeout", "Microsoft Graph did not answer in time;"
                    + " the message may or may not have been sent (tracking id " + trackingId + ")", null, e);
        } catch (IOException e) {
            throw new MailTransportException(Kind.OUTCOME_UNKNOWN, "GraphConnectionLost", "the connection to Microsoft Graph broke ("
                    + e.getClass().getSimpleName() + "); the message may or may not have been sent (tracking id " + trackingId + ")", null, e);
        }
    }

    static long retryAfterSeconds(Response response, long fallback) {
        String value = response.header("Retry-After");
        if (value == null) {
            return fallback;
        }
        try {
            return Math.max(0, Long.parseLong(value.trim()));
        } catch (NumberFormatException e) {
            return fallback;
        }
    }
}
