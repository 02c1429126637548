package io.graphmailer.adapter.in.http;

import io.smallrye.common.annotation.Blocking;
import io.smallrye.health.SmallRyeHealth;
import io.smallrye.health.SmallRyeHealthReporter;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.core.Response;

/**
 * The health endpoints where the Functions host forwards them (it proxies only function routes, under /api): the same
 * answers as SmallRye Health's /q/health/live and /q/health/ready (200 up, 503 down). No caller token is asked for
 * ({@link CallerAuthFilter}): a platform probe has none, and the answer holds only check names and states.
 */
@Path("/api/health")
public class HealthResource {
    private final SmallRyeHealthReporter reporter;

    public HealthResource(SmallRyeHealthReporter reporter) {
        this.reporter = reporter;
    }

    @GET
    @Path("live")
    public Response live() {
        return answer(reporter.getLiveness());
    }

    @GET
    @Path("ready")
    @Blocking
    public Response ready() {
        return answer(reporter.getReadiness());
    }

    private static Response answer(SmallRyeHealth health) {
        return Response.status(health.isDown() ? 503 : 200).entity(health.getPayload().toString())
                .type("application/json").build();
    }
}
