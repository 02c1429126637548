package io.graphmailer.wiring;

import org.eclipse.microprofile.config.spi.ConfigSource;

import java.util.Map;
import java.util.Set;

/**
 * Turns the OpenTelemetry SDK off unless {@code APPLICATIONINSIGHTS_CONNECTION_STRING} is set, so that nothing is
 * exported, and no exporter or batch thread started, where no telemetry is wanted. An explicit
 * {@code QUARKUS_OTEL_SDK_DISABLED} (environment, ordinal 300) or a test's setting still wins.
 */
public class TelemetrySwitch implements ConfigSource {
    static final String PROPERTY = "quarkus.otel.sdk.disabled";
    static final String CONNECTION_STRING = "APPLICATIONINSIGHTS_CONNECTION_STRING";

    static boolean disabled(Map<String, String> env) {
        String cs = env.get(CONNECTION_STRING);
        return cs == null || cs.isBlank();
    }

    @Override
    public Set<String> getPropertyNames() {
        return Set.of(PROPERTY);
    }

    @Override
    public String getValue(String propertyName) {
        return PROPERTY.equals(propertyName) ? Boolean.toString(disabled(System.getenv())) : null;
    }

    @Override
    public String getName() {
        return "graph-mailer telemetry switch";
    }

    @Override
    public int getOrdinal() {
        return 260; // above application.properties (250), below the environment (300)
    }
}
