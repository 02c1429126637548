package io.graphmailer.adapter.in.http;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import io.graphmailer.domain.Violation;
import io.quarkus.runtime.annotations.RegisterForReflection;

import java.util.List;

/**
 * One error body for both audiences: Graph's envelope {@code error {code, message, innerError}} for Graph SDKs, and
 * the RFC 9457 problem fields ({@code type, title, status, detail, errors}) beside it. {@link ErrorResponses} renders
 * it per request (ids, date, media type); nothing else writes an error response.
 */
@RegisterForReflection
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonPropertyOrder({"error", "type", "title", "status", "detail", "instance", "errors"})
public record Problem(String type, String title, int status, String detail, String instance,
                      List<Violation> errors, GraphError error) {
    public static final String MEDIA_TYPE = "application/problem+json";
    private static final String TYPE_BASE = "https://graph-mailer.dev/problems/";

    @RegisterForReflection
    @JsonInclude(JsonInclude.Include.NON_NULL)
    @JsonPropertyOrder({"code", "message", "innerError"})
    public record GraphError(String code, String message, InnerError innerError) {
    }

    /** Graph's innerError: when, and which request (ours and the caller's). */
    @RegisterForReflection
    @JsonPropertyOrder({"date", "request-id", "client-request-id"})
    public record InnerError(String date,
                             @JsonProperty("request-id") String requestId,
                             @JsonProperty("client-request-id") String clientRequestId) {
    }

    public static Problem of(int status, String slug, String title, String detail, String graphCode) {
        return new Problem(TYPE_BASE + slug, title, status, detail, null, null, new GraphError(graphCode, detail, null));
    }

    public Problem withErrors(List<Violation> violations) {
        return new Problem(type, title, status, detail, instance, violations, error);
    }

    Problem withInnerError(InnerError inner) {
        return new Problem(type, title, status, detail, instance, errors, new GraphError(error.code(), error.message(), inner));
    }
}
