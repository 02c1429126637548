package io.graphmailer.adapter.in.http;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.ext.web.RoutingContext;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Locale;

/**
 * The one producer of error responses: {@link ProblemMappers} for everything JAX-RS sees (resources and request
 * filters throw), {@link #end} for the Vert.x route filter that answers before JAX-RS. The body is always Graph's error envelope with
 * the problem fields beside it; only the media type is negotiated: {@code application/json} (what Graph sends and
 * what Graph SDKs read) unless {@code Accept} asks for {@code application/problem+json}. See docs/adr/0008.
 */
public final class ErrorResponses {
    private static final ObjectMapper JSON = new ObjectMapper();

    private ErrorResponses() {
    }

    /** A rendered error: what either HTTP layer (JAX-RS or Vert.x) writes. */
    record Rendered(int status, String mediaType, String body, String requestId, String clientRequestId) {
    }

    static Rendered render(Problem problem, String accept, String callerClientRequestId) {
        String requestId = RequestIds.newId();
        String clientRequestId = RequestIds.echo(callerClientRequestId, requestId);
        Problem full = problem.withInnerError(new Problem.InnerError(
                Instant.now().truncatedTo(ChronoUnit.SECONDS).toString(), requestId, clientRequestId));
        String body;
        try {
            body = JSON.writeValueAsString(full);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("an error body could not be written", e);
        }
        return new Rendered(problem.status(), wantsProblemJson(accept) ? Problem.MEDIA_TYPE : MediaType.APPLICATION_JSON,
                body, requestId, clientRequestId);
    }

    /** For exception mappers (JAX-RS); add a header such as Retry-After to the builder before building. */
    public static Response.ResponseBuilder builder(Problem problem, HttpHeaders headers) {
        Rendered r = headers == null ? render(problem, null, null)
                : render(problem, headers.getHeaderString(HttpHeaders.ACCEPT), headers.getHeaderString(RequestIds.CLIENT_REQUEST_ID));
        return Response.status(r.status()).type(r.mediaType()).entity(r.body())
                .header(RequestIds.REQUEST_ID, r.requestId())
                .header(RequestIds.CLIENT_REQUEST_ID, r.clientRequestId());
    }

    public static Response response(Problem problem, HttpHeaders headers) {
        return builder(problem, headers).build();
    }

    /** For Vert.x route filters, which answer before JAX-RS (and its mappers) sees the request. */
    public static void end(Problem problem, RoutingContext rc) {
        HttpServerRequest request = rc.request();
        Rendered r = render(problem, request.getHeader(HttpHeaders.ACCEPT), request.getHeader(RequestIds.CLIENT_REQUEST_ID));
        rc.response().setStatusCode(r.status())
                .putHeader(HttpHeaders.CONTENT_TYPE, r.mediaType())
                .putHeader(RequestIds.REQUEST_ID, r.requestId())
                .putHeader(RequestIds.CLIENT_REQUEST_ID, r.clientRequestId())
                .end(r.body());
    }

    /**
     * True when {@code Accept} names application/problem+json with a quality at least that of application/json.
     * Wildcards do not count: without an explicit ask the caller gets Graph's application/json.
     */
    static boolean wantsProblemJson(String accept) {
        if (accept == null || accept.isBlank()) {
            return false;
        }
        double problem = 0;
        double json = 0;
        for (String range : accept.split(",")) {
            String[] parts = range.split(";");
            String type = parts[0].trim().toLowerCase(Locale.ROOT);
            double q = 1;
            for (int i = 1; i < parts.length; i++) {
                String p = parts[i].trim().toLowerCase(Locale.ROOT);
                if (p.startsWith("q=")) {
                    try {
                        q = Double.parseDouble(p.substring(2).trim());
                    } catch (NumberFormatException e) {
                        q = 0;
                    }
                }
            }
            if (type.equals(Problem.MEDIA_TYPE)) {
                problem = Math.max(problem, q);
            } else if (type.equals(MediaType.APPLICATION_JSON)) {
                json = Math.max(json, q);
            }
        }
        return problem > 0 && problem >= json;
    }
}
