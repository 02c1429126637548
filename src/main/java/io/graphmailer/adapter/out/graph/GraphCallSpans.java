package io.graphmailer.adapter.out.graph;

import io.graphmailer.application.port.out.Telemetry;
import io.graphmailer.application.port.out.Telemetry.Attribute;
import okhttp3.HttpUrl;
import okhttp3.Interceptor;
import okhttp3.Request;
import okhttp3.Response;

import java.io.IOException;
import java.util.Set;
import java.util.function.Supplier;
import java.util.regex.Pattern;

/**
 * A span for every HTTP request to Graph, each attempt of graph-core's retries included (a network interceptor, below its
 * retry handler), and a count of the 429 and 503 answers among them with the Retry-After each asked for. The span names
 * the route, not the URL: the mailbox, message and attachment ids become placeholders and the query string (a filter
 * naming a message id, an upload session's token) is left out. The body and the headers other than {@code request-id}
 * and {@code Retry-After} are never read.
 */
final class GraphCallSpans implements Interceptor {
    private static final Set<String> LITERALS = Set.of("v1.0", "beta", "api", "v2.0", "users", "me", "sendMail", "messages",
            "mailFolders", "sentitems", "SentItems", "inbox", "Inbox", "attachments", "createUploadSession", "send", "$value",
            "$count", "organization");
    /** {@code Users('...')}, as upload session URLs name their parts. */
    private static final Pattern KEYED = Pattern.compile("([A-Za-z]+)\\('.*'\\)");

    private final Supplier<Telemetry> telemetry;

    GraphCallSpans(Supplier<Telemetry> telemetry) {
        this.telemetry = telemetry;
    }

    @Override
    public Response intercept(Chain chain) throws IOException {
        Request request = chain.request();
        String route = route(request.url());
        Telemetry t = telemetry.get();
        try (Telemetry.Call call = t.call("graph", request.method() + " " + route).set(Attribute.METHOD, request.method())
                .set(Attribute.ROUTE, route).set(Attribute.HOST, request.url().host())) {
            Response response;
            try {
                response = chain.proceed(request);
            } catch (IOException | RuntimeException e) {
                call.failed(e.getClass().getSimpleName());
                throw e;
            }
            int status = response.code();
            call.set(Attribute.STATUS, status).set(Attribute.REQUEST_ID, response.header("request-id"));
            String header = response.header("Retry-After");
            Long retryAfter = header != null && header.trim().matches("\\d{1,9}") ? Long.valueOf(header.trim()) : null;
            if (retryAfter != null) {
                call.set(Attribute.RETRY_AFTER, retryAfter);
            }
            if (status == 429 || status == 503) {
                t.graphThrottled(status, retryAfter);
            }
            if (status >= 400) {
                call.failed("Http" + status);
            }
            return response;
        }
    }

    /** {@code /v1.0/users/{mailbox}/sendMail}, {@code /v1.0/users/{mailbox}/messages/{id}/attachments/createUploadSession}. */
    static String route(HttpUrl url) {
        StringBuilder out = new StringBuilder();
        String previous = "";
        for (String segment : url.encodedPathSegments()) {
            if (segment.isEmpty()) {
                continue;
            }
            String part;
            var keyed = KEYED.matcher(segment);
            if (LITERALS.contains(segment)) {
                part = segment;
            } else if (keyed.matches()) {
                part = keyed.group(1) + "({id})";
            } else if (previous.equals("users")) {
                part = "{mailbox}";
            } else {
                part = "{id}";
            }
            out.append('/').append(part);
            previous = segment;
        }
        return out.length() == 0 ? "/" : out.toString();
    }
}
