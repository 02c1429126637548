package io.graphmailer.adapter.in.http;

import io.graphmailer.config.GraphMailerConfig;
import io.graphmailer.domain.Violation;
import jakarta.inject.Inject;
import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.Response;
import org.jboss.resteasy.reactive.server.ServerRequestFilter;

import java.util.List;

/** Caller authentication for every /api route, per {@code graph-mailer.caller-auth.mode}. */
public class CallerAuthFilter {
    public static final String CALLER_PROPERTY = "graph-mailer.caller";

    @Inject
    GraphMailerConfig config;

    @Inject
    jakarta.enterprise.inject.Instance<CallerAuthenticator> authenticator;

    /**
     * Headers other than Authorization keep Vert.x's usual 20 KB budget; quarkus.http.limits.max-header-size is raised
     * only so an oversized token reaches this filter and gets a 401 problem instead of an empty 431.
     */
    static final int MAX_OTHER_HEADER_BYTES = 20 * 1024;

    @ServerRequestFilter(preMatching = true)
    public Response headerBudget(ContainerRequestContext request) {
        long size = 0;
        for (var header : request.getHeaders().entrySet()) {
            if (!header.getKey().equalsIgnoreCase(HttpHeaders.AUTHORIZATION)) {
                for (String value : header.getValue()) {
                    size += header.getKey().length() + value.length() + 4;
                }
            }
        }
        if (size <= MAX_OTHER_HEADER_BYTES) {
            return null;
        }
        return ErrorResponses.builder(Problem.of(431, "headers-too-large", "Request headers too large",
                "the request's headers other than Authorization take more than " + MAX_OTHER_HEADER_BYTES + " bytes",
                "RequestHeaderFieldsTooLarge"), request.getHeaderString(HttpHeaders.ACCEPT),
                request.getHeaderString(RequestIds.CLIENT_REQUEST_ID)).build();
    }

    @ServerRequestFilter
    public Response authenticate(ContainerRequestContext request) {
        if (!request.getUriInfo().getPath().startsWith("/api/")) {
            return null;
        }
        switch (config.callerAuth().mode()) {
            case NONE, HOST_KEY:
                // NONE exists only in dev; HOST_KEY: the Functions host has already checked the function key.
                return null;
            default:
                try {
                    request.setProperty(CALLER_PROPERTY, authenticator.get().authenticate(request.getHeaderString(HttpHeaders.AUTHORIZATION)));
                    return null;
                } catch (CallerAuthenticator.Refused refused) {
                    Problem p = refused.status() == 401
                            ? Problem.of(401, "unauthenticated", "Caller not authenticated", refused.getMessage(), "InvalidAuthenticationToken")
                            : Problem.of(403, "caller-forbidden", "Caller lacks the required app role", refused.getMessage(), "ErrorAccessDenied");
                    Response.ResponseBuilder builder = ErrorResponses.builder(p.withErrors(List.of(new Violation("Authorization", refused.getMessage()))),
                            request.getHeaderString(HttpHeaders.ACCEPT), request.getHeaderString(RequestIds.CLIENT_REQUEST_ID));
                    if (refused.status() == 401) {
                        builder.header(HttpHeaders.WWW_AUTHENTICATE, "Bearer");
                    }
                    return builder.build();
                }
        }
    }
}
