package io.graphmailer.adapter.out.telemetry;

import io.opentelemetry.sdk.testing.exporter.InMemoryMetricExporter;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;

/** In-process exporters for the tests that turn the SDK on (TelemetryTest); with the SDK off they receive nothing. */
@Singleton
public class InMemoryTelemetry {
    @Produces
    @Singleton
    InMemorySpanExporter spans() {
        return InMemorySpanExporter.create();
    }

    @Produces
    @Singleton
    InMemoryMetricExporter metrics() {
        return InMemoryMetricExporter.create();
    }
}
