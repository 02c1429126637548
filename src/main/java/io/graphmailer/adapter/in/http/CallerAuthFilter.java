package io.graphmailer.adapter.in.http;

import io.graphmailer.config.GraphMailerConfig;
import jakarta.inject.Inject;
import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.core.HttpHeaders;
import org.jboss.resteasy.reactive.server.ServerRequestFilter;

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
    public void headerBudget(ContainerRequestContext request) {
        long size = 0;
        for (var header : request.getHeaders().entrySet()) {
            if (!header.getKey().equalsIgnoreCase(HttpHeaders.AUTHORIZATION)) {
                for (String value : header.getValue()) {
                    size += header.getKey().length() + value.length() + 4;
                }
            }
        }
        if (size > MAX_OTHER_HEADER_BYTES) {
            throw new ProblemException(Problem.of(431, "headers-too-large", "Request headers too large",
                    "the request's headers other than Authorization take more than " + MAX_OTHER_HEADER_BYTES + " bytes",
                    "RequestHeaderFieldsTooLarge"));
        }
    }

    /** The health routes (HealthResource): asked for by platform probes, which carry no token. */
    static final String HEALTH = "/api/health/";

    /** The routes that send mail (Graph's sendMail under /api, /api/v1.0, /api/beta): they need the send role. */
    static boolean sendRoute(String path) {
        return path.endsWith("/sendMail");
    }

    /** A refusal (401/403) is thrown as a {@link ProblemException}; ProblemMappers renders it like every other error. */
    @ServerRequestFilter
    public void authenticate(ContainerRequestContext request) {
        // NONE exists only in dev; HOST_KEY: the Functions host has already checked the function key.
        if (!request.getUriInfo().getPath().startsWith("/api/") || request.getUriInfo().getPath().startsWith(HEALTH)) {
            return;
        }
        request.setProperty(CALLER_PROPERTY, switch (config.callerAuth().mode()) {
            case ENTRA -> authenticator.get().authenticate(request.getHeaderString(HttpHeaders.AUTHORIZATION),
                    sendRoute(request.getUriInfo().getPath()));
            case HOST_KEY -> Caller.HOST_KEY;
            case NONE -> Caller.DEVELOPER;
        });
    }
}
