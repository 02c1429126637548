package io.graphmailer.adapter.in.http;

import jakarta.ws.rs.container.ContainerRequestContext;

import java.util.Set;

/**
 * Who called an {@code /api} route: the calling application ({@code azp}/{@code appid} of its token) and the app roles
 * of graph-mailer's registration it holds. Set on the request by {@link CallerAuthFilter}.
 */
public record Caller(String appId, Set<String> roles) {
    /** The app role that lets an operator's application see every app's sends and act on dead-lettered mail. */
    public static final String ADMIN_ROLE = "GraphMailer.Admin";

    public Caller {
        roles = Set.copyOf(roles);
    }

    public boolean admin() {
        return roles.contains(ADMIN_ROLE);
    }

    /** Caller auth mode {@code host-key}: the Functions host checked a key; it names no application and no role. */
    static final Caller HOST_KEY = new Caller("host-key", Set.of());

    /** Caller auth mode {@code none} (dev only): the developer on their own machine, who may do everything. */
    static final Caller DEVELOPER = new Caller("dev", Set.of(ADMIN_ROLE));

    /** The caller of this request, as the filter set it. */
    public static Caller of(ContainerRequestContext request) {
        Object caller = request.getProperty(CallerAuthFilter.CALLER_PROPERTY);
        if (caller instanceof Caller c) {
            return c;
        }
        throw new IllegalStateException("no caller on a request outside /api");
    }
}
