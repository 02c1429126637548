package io.graphmailer.wiring;

import io.graphmailer.adapter.out.telemetry.ApplicationInsightsExport;
import io.opentelemetry.sdk.metrics.export.PeriodicMetricReader;
import io.opentelemetry.sdk.trace.export.BatchSpanProcessor;
import io.quarkus.opentelemetry.runtime.AutoConfiguredOpenTelemetrySdkBuilderCustomizer;
import io.opentelemetry.sdk.autoconfigure.AutoConfiguredOpenTelemetrySdkBuilder;
import jakarta.inject.Singleton;
import org.eclipse.microprofile.config.inject.ConfigProperty;

import java.time.Duration;

/**
 * Adds the Application Insights exporters to the SDK Quarkus builds (only when the connection string is set; the SDK
 * itself runs only then, {@link TelemetrySwitch}). Added beside whatever else the SDK exports to (tests' in-memory
 * exporters), not instead: spans through a bounded batch processor, metrics through a periodic reader; both flush when
 * the SDK shuts down with the app.
 */
@Singleton
public class TelemetryExport implements AutoConfiguredOpenTelemetrySdkBuilderCustomizer {
    /** The batch processor's bounds: a full queue drops spans (the SDK counts them), it never blocks a send. */
    static final int MAX_QUEUE = 2048;
    static final int MAX_BATCH = 512;

    private final ApplicationInsightsExport export;
    private final Duration spanDelay;
    private final Duration metricInterval;

    public TelemetryExport(ApplicationInsightsExport export,
            @ConfigProperty(name = "quarkus.otel.bsp.schedule.delay", defaultValue = "5s") Duration spanDelay,
            @ConfigProperty(name = "quarkus.otel.metric.export.interval", defaultValue = "60s") Duration metricInterval) {
        this.export = export;
        this.spanDelay = spanDelay;
        this.metricInterval = metricInterval;
    }

    @Override
    public void customize(AutoConfiguredOpenTelemetrySdkBuilder builder) {
        if (!export.enabled()) {
            return;
        }
        builder.addTracerProviderCustomizer((tracers, config) -> tracers.addSpanProcessor(
                BatchSpanProcessor.builder(export.spanExporter().orElseThrow()).setMaxQueueSize(MAX_QUEUE)
                        .setMaxExportBatchSize(MAX_BATCH).setScheduleDelay(spanDelay).setExporterTimeout(Duration.ofSeconds(30))
                        .build()));
        builder.addMeterProviderCustomizer((meters, config) -> meters.registerMetricReader(
                PeriodicMetricReader.builder(export.metricExporter().orElseThrow()).setInterval(metricInterval).build()));
    }
}
