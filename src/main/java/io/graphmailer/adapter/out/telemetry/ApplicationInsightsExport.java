package io.graphmailer.adapter.out.telemetry;

import com.azure.core.credential.AccessToken;
import com.azure.core.credential.TokenRequestContext;
import io.graphmailer.adapter.out.azure.AzureClients;
import io.graphmailer.config.GraphMailerConfig;
import io.opentelemetry.sdk.metrics.export.MetricExporter;
import io.opentelemetry.sdk.trace.export.SpanExporter;
import jakarta.inject.Inject;
import jakarta.inject.Singleton;

import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.Optional;
import java.util.function.Function;

/**
 * graph-mailer's own exporter to Application Insights (ADR 0022): the span and metric exporters on the ingestion
 * endpoint of {@code APPLICATIONINSIGHTS_CONNECTION_STRING}, or nothing when it is unset. Built on first use; with
 * {@code graph-mailer.telemetry.entra-auth} the requests carry a token of the one Azure credential.
 */
@Singleton
public class ApplicationInsightsExport {
    /** Entra ID scope of the ingestion endpoint when the resource has local (key) authentication disabled. */
    static final String INGESTION_SCOPE = "https://monitor.azure.com//.default";
    /** One batch is retried for at most this long: below the SDK's 30 s export timeout. */
    static final Duration RETRY_DEADLINE = Duration.ofSeconds(20);

    private final Optional<IngestionConnection> connection;
    private final boolean entraAuth;
    /** Looked up when a token is first needed: AzureClients reports its calls as spans, so it needs the SDK this export is part of. */
    private final java.util.function.Supplier<AzureClients> azure;
    private final Duration backoff;
    private volatile TrackSender sender;
    private AccessToken token;

    @Inject
    public ApplicationInsightsExport(GraphMailerConfig config, jakarta.enterprise.inject.Instance<AzureClients> azure) {
        this(config.telemetry().connectionString().flatMap(IngestionConnection::parse), config.telemetry().entraAuth(), azure::get,
                Duration.ofSeconds(1));
    }

    ApplicationInsightsExport(Optional<IngestionConnection> connection, boolean entraAuth, AzureClients azure, Duration backoff) {
        this(connection, entraAuth, () -> azure, backoff);
    }

    private ApplicationInsightsExport(Optional<IngestionConnection> connection, boolean entraAuth,
                                      java.util.function.Supplier<AzureClients> azure, Duration backoff) {
        this.connection = connection;
        this.entraAuth = entraAuth;
        this.azure = azure;
        this.backoff = backoff;
    }

    /** Whether a connection string names an instrumentation key: telemetry goes to Application Insights. */
    public boolean enabled() {
        return connection.isPresent();
    }

    public Optional<SpanExporter> spanExporter() {
        return connection.map(c -> new SpanExport(envelopes(c), sender(c)));
    }

    public Optional<MetricExporter> metricExporter() {
        return connection.map(c -> new MetricExport(envelopes(c), sender(c)));
    }

    /** Items the ingestion endpoint accepted, and those dropped (refused, or still refused after the retries). */
    public long accepted() {
        return sender == null ? 0 : sender.accepted();
    }

    public long dropped() {
        return sender == null ? 0 : sender.dropped();
    }

    private static TrackEnvelopes envelopes(IngestionConnection c) {
        return new TrackEnvelopes(c.instrumentationKey(), roleInstance());
    }

    private synchronized TrackSender sender(IngestionConnection c) {
        if (sender == null) {
            Optional<Function<Boolean, String>> bearer = entraAuth ? Optional.of(this::bearer) : Optional.empty();
            sender = new TrackSender(c.trackUrl(), bearer, RETRY_DEADLINE, backoff);
        }
        return sender;
    }

    private synchronized String bearer(boolean fresh) {
        if (fresh || token == null || token.getExpiresAt().isBefore(OffsetDateTime.now().plusMinutes(5))) {
            token = azure.get().credential().getTokenSync(new TokenRequestContext().addScopes(INGESTION_SCOPE));
        }
        return token.getToken();
    }

    /** The instance the Functions platform names (one per scaled-out instance), else the host name. */
    private static String roleInstance() {
        for (String name : new String[] {"WEBSITE_INSTANCE_ID", "CONTAINER_NAME", "COMPUTERNAME", "HOSTNAME"}) {
            String value = System.getenv(name);
            if (value != null && !value.isBlank()) {
                return value;
            }
        }
        return null;
    }
}
