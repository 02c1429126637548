package io.graphmailer.adapter.out.telemetry;

import java.net.URI;
import java.util.Locale;
import java.util.Optional;

/**
 * What graph-mailer reads from an Application Insights connection string
 * ({@code InstrumentationKey=...;IngestionEndpoint=https://...;...}): the instrumentation key every envelope names and
 * the track URL ({@code {IngestionEndpoint}/v2.1/track}). Without {@code IngestionEndpoint} the endpoint comes from
 * {@code EndpointSuffix} ({@code https://dc.{suffix}}) or the global default. Never printed: {@link #toString()} names the
 * endpoint only.
 */
public record IngestionConnection(String instrumentationKey, URI trackUrl) {
    /** The global ingestion endpoint, used by connection strings that name none. */
    static final String DEFAULT_ENDPOINT = "https://dc.services.visualstudio.com/";

    public static Optional<IngestionConnection> parse(String connectionString) {
        if (connectionString == null || connectionString.isBlank()) {
            return Optional.empty();
        }
        String key = null;
        String endpoint = null;
        String suffix = null;
        for (String part : connectionString.split(";")) {
            int eq = part.indexOf('=');
            if (eq <= 0) {
                continue;
            }
            String name = part.substring(0, eq).trim().toLowerCase(Locale.ROOT);
            String value = part.substring(eq + 1).trim();
            switch (name) {
                case "instrumentationkey" -> key = value;
                case "ingestionendpoint" -> endpoint = value;
                case "endpointsuffix" -> suffix = value;
                default -> {
                }
            }
        }
        if (key == null || key.isBlank()) {
            return Optional.empty();
        }
        if (endpoint == null || endpoint.isBlank()) {
            endpoint = suffix != null && !suffix.isBlank() ? "https://dc." + suffix.replaceAll("^\\.+", "") : DEFAULT_ENDPOINT;
        }
        if (!endpoint.endsWith("/")) {
            endpoint = endpoint + "/";
        }
        try {
            return Optional.of(new IngestionConnection(key, URI.create(endpoint).resolve("v2.1/track")));
        } catch (IllegalArgumentException e) {
            return Optional.empty(); // SettingsValidator names it at startup; telemetry stays off
        }
    }

    @Override
    public String toString() {
        return "IngestionConnection[" + trackUrl + "]";
    }
}
