package io.graphmailer.adapter.in.http;

import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;

import java.util.Map;

/** The Functions host polls {@code GET /} until any answer comes: we are up. */
@Path("/")
public class ReadinessResource {
    @GET
    @Produces(MediaType.APPLICATION_JSON)
    public Map<String, String> ready() {
        return Map.of("status", "up", "service", "graph-mailer");
    }
}
