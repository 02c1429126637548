package io.graphmailer.adapter.in.http;

import io.opentelemetry.api.trace.Span;
import jakarta.ws.rs.container.ContainerRequestContext;
import org.jboss.logging.MDC;
import org.jboss.resteasy.reactive.server.ServerRequestFilter;
import org.jboss.resteasy.reactive.server.ServerResponseFilter;

/**
 * The Functions host's invocation id (header {@value #HEADER}) on the trigger's span and in the log context of the
 * request, so traces, logs and the host's own records of one invocation can be joined.
 */
public class InvocationIds {
    public static final String HEADER = "X-Azure-Functions-InvocationId";
    public static final String MDC_KEY = "invocationId";
    /** Ids are GUIDs; anything else longer than this is not taken. */
    private static final int MAX_LENGTH = 64;

    @ServerRequestFilter(preMatching = true)
    public void tag(ContainerRequestContext request) {
        String id = request.getHeaderString(HEADER);
        if (id == null || id.isBlank() || id.length() > MAX_LENGTH) {
            return;
        }
        Span.current().setAttribute("faas.invocation_id", id);
        MDC.put(MDC_KEY, id);
    }

    @ServerResponseFilter
    public void untag() {
        MDC.remove(MDC_KEY);
    }
}
