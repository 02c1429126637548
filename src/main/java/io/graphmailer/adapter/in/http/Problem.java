package io.graphmailer.adapter.in.http;

import com.fasterxml.jackson.annotation.JsonInclude;
import io.graphmailer.domain.Violation;
import io.quarkus.runtime.annotations.RegisterForReflection;
import jakarta.ws.rs.core.Response;

import java.util.List;

/**
 * RFC 9457 problem details. {@code error} repeats the essentials in Graph's error envelope so Graph
 * SDKs pointed at graph-mailer surface a readable message too.
 */
@RegisterForReflection
@JsonInclude(JsonInclude.Include.NON_NULL)
public record Problem(String type, String title, int status, String detail, String instance,
                      List<Violation> errors, GraphError error) {
    public static final String MEDIA_TYPE = "application/problem+json";
    private static final String TYPE_BASE = "https://graph-mailer.dev/problems/";

    @RegisterForReflection
    public record GraphError(String code, String message) {
    }

    public static Problem of(int status, String slug, String title, String detail, String graphCode) {
        return new Problem(TYPE_BASE + slug, title, status, detail, null, null, new GraphError(graphCode, detail));
    }

    public Problem withErrors(List<Violation> violations) {
        return new Problem(type, title, status, detail, instance, violations, error);
    }

    public Response.ResponseBuilder toResponse() {
        return Response.status(status).type(MEDIA_TYPE).entity(this);
    }

    public Response response() {
        return toResponse().build();
    }
}
