package io.graphmailer.adapter.out.telemetry;

import com.fasterxml.jackson.databind.JsonNode;
import io.graphmailer.standin.IngestionStandin;
import io.graphmailer.standin.Standins;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.context.Scope;
import io.opentelemetry.sdk.metrics.SdkMeterProvider;
import io.opentelemetry.sdk.metrics.export.PeriodicMetricReader;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.export.BatchSpanProcessor;
import io.opentelemetry.sdk.trace.export.SpanExporter;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/** The exporter against the ingestion stand-in: the envelopes it writes, retries, drops and their counts. */
class ApplicationInsightsExporterTest {
    private static IngestionStandin ingestion;
    private ApplicationInsightsExport export;

    @BeforeAll
    static void start() {
        ingestion = new IngestionStandin(Standins.shared().identity());
        ingestion.start();
    }

    @AfterAll
    static void stop() {
        ingestion.stop();
    }

    @BeforeEach
    void reset() {
        ingestion.reset();
        export = new ApplicationInsightsExport(IngestionConnection.parse(ingestion.connectionString()), false, null,
                Duration.ofMillis(50));
    }

    /** A server span with a client span and an internal span under it, exported through the SDK as one batch. */
    private void traceOneRequest(SpanExporter exporter) {
        SdkTracerProvider tracers = SdkTracerProvider.builder()
                .addSpanProcessor(BatchSpanProcessor.builder(exporter).setScheduleDelay(Duration.ofHours(1)).build()).build();
        Tracer tracer = tracers.get("test");
        Span server = tracer.spanBuilder("POST /api/users/{id}/sendMail").setSpanKind(SpanKind.SERVER)
                .setAttribute("http.response.status_code", 202L).setAttribute("url.scheme", "https")
                .setAttribute("server.address", "app.example").setAttribute("url.path", "/api/users/a@b.example/sendMail")
                .setAttribute("graph_mailer.tracking_id", "trk-1").setAttribute("faas.invocation_id", "inv-1").startSpan();
        try (Scope ignored = server.makeCurrent()) {
            Span client = tracer.spanBuilder("POST").setSpanKind(SpanKind.CLIENT)
                    .setAttribute("http.request.method", "POST").setAttribute("http.response.status_code", 429L)
                    .setAttribute("url.full", "https://graph.example/v1.0/users/x/sendMail?sig=secret-sas").startSpan();
            client.setStatus(StatusCode.ERROR, "throttled");
            client.recordException(new IllegalStateException("boom"));
            client.end();
            tracer.spanBuilder("graph-mailer send").startSpan().end();
        } finally {
            server.end();
        }
        tracers.forceFlush().join(60, TimeUnit.SECONDS);
        tracers.shutdown().join(60, TimeUnit.SECONDS);
    }

    @Test
    void givenARequestWithDependencies_thenTheyArriveAsRequestAndDependenciesOfOneOperation() {
        traceOneRequest(export.spanExporter().orElseThrow());

        JsonNode request = ingestion.accepted("Request").get(0);
        List<JsonNode> dependencies = ingestion.accepted("RemoteDependency");
        assertThat(dependencies).hasSize(2);
        assertThat(ingestion.accepted("Exception")).hasSize(1);
        String operation = request.path("tags").path("ai.operation.id").asText();
        assertThat(operation).hasSize(32);
        assertThat(dependencies).allSatisfy(d -> {
            assertThat(d.path("tags").path("ai.operation.id").asText()).isEqualTo(operation);
            assertThat(d.path("tags").path("ai.operation.parentId").asText()).isEqualTo(request.path("data").path("baseData").path("id").asText());
        });
        JsonNode base = request.path("data").path("baseData");
        assertThat(base.path("responseCode").asText()).isEqualTo("202");
        assertThat(base.path("success").asBoolean()).isTrue();
        assertThat(base.path("properties").path("graph_mailer.tracking_id").asText()).isEqualTo("trk-1");
        assertThat(base.path("properties").path("faas.invocation_id").asText()).isEqualTo("inv-1");
        JsonNode http = dependencies.stream().filter(d -> d.path("data").path("baseData").path("type").asText().equals("Http"))
                .findFirst().orElseThrow().path("data").path("baseData");
        assertThat(http.path("resultCode").asText()).isEqualTo("429");
        assertThat(http.path("success").asBoolean()).isFalse();
        assertThat(http.path("target").asText()).isEqualTo("graph.example");
        assertThat(dependencies).anySatisfy(d -> assertThat(d.path("data").path("baseData").path("type").asText()).isEqualTo("InProc"));
        assertThat(request.path("tags").path("ai.cloud.role").asText()).isNotBlank();
        assertThat(request.path("iKey").asText()).isEqualTo(IngestionStandin.INSTRUMENTATION_KEY);
        // A query string may carry a SAS signature: never exported.
        assertThat(String.join("\n", ingestion.bodies())).doesNotContain("secret-sas");
        assertThat(export.accepted()).isEqualTo(4);
        assertThat(export.dropped()).isZero();
    }

    @Test
    void givenA503ThenA200_thenTheBatchIsRetriedOnceAndNothingIsDuplicated() {
        ingestion.injectFaults(1, new IngestionStandin.Fault(503, 0));
        ingestion.injectFaults(1, new IngestionStandin.Fault(429, 0));

        traceOneRequest(export.spanExporter().orElseThrow());

        assertThat(ingestion.answers()).startsWith(503, 429);
        assertThat(ingestion.accepted("Request")).hasSize(1);
        List<String> ids = ingestion.accepted().stream().map(e -> e.path("name").asText() + e.path("data").path("baseData").path("id").asText()).toList();
        assertThat(ids).doesNotHaveDuplicates();
        assertThat(export.dropped()).isZero();
    }

    @Test
    void givenAnItemTheEndpointRefuses_thenOnlyItIsDroppedAndCounted() {
        ingestion.refuseItems(e -> e.path("name").asText().equals("Exception"));

        traceOneRequest(export.spanExporter().orElseThrow());

        assertThat(ingestion.answers()).contains(206);
        assertThat(ingestion.accepted("Request")).hasSize(1);
        assertThat(ingestion.accepted("Exception")).isEmpty();
        assertThat(export.dropped()).isEqualTo(1);
        // The refused item is not sent again: 400 is not retryable.
        assertThat(ingestion.requests()).isEqualTo(ingestion.answers().size());
        assertThat(ingestion.bodies().stream().filter(b -> b.contains("\"Exception\"")).count()).isEqualTo(ingestion.requests());
    }

    @Test
    void givenAWholeRequestRefused_thenItIsDroppedNotRetried() {
        ingestion.injectFaults(1, new IngestionStandin.Fault(400, -1));

        traceOneRequest(export.spanExporter().orElseThrow());

        assertThat(ingestion.answers().get(0)).isEqualTo(400);
        assertThat(export.dropped()).isGreaterThan(0);
        assertThat(ingestion.accepted("Request")).isEmpty();
    }

    @Test
    void givenAnEndpointThatKeepsAnswering503_thenTheBatchIsDroppedAfterTheDeadlineAndTheExportReturns() {
        export = new ApplicationInsightsExport(IngestionConnection.parse(ingestion.connectionString()), false, null,
                Duration.ofSeconds(8));
        ingestion.injectFaults(100, new IngestionStandin.Fault(503, -1));

        traceOneRequest(export.spanExporter().orElseThrow());

        // 8 s, then 16 s: the second wait would pass the 20 s deadline.
        assertThat(ingestion.requests()).isEqualTo(2);
        assertThat(export.dropped()).isGreaterThan(0);
        assertThat(ingestion.accepted()).isEmpty();
    }

    @Test
    void givenCounterAndHistogramPoints_thenEachArrivesAsAMetricWithItsAttributesAsProperties() {
        PeriodicMetricReader reader = PeriodicMetricReader.builder(export.metricExporter().orElseThrow())
                .setInterval(Duration.ofHours(1)).build();
        SdkMeterProvider meters = SdkMeterProvider.builder().registerMetricReader(reader).build();
        var meter = meters.get("test");
        var sends = meter.counterBuilder("graph_mailer.sends").build();
        sends.add(2, Attributes.of(AttributeKey.stringKey("graph_mailer.outcome"), "sent"));
        sends.add(1, Attributes.of(AttributeKey.stringKey("graph_mailer.outcome"), "transient"));
        var waits = meter.histogramBuilder("graph_mailer.retry_after").build();
        waits.record(2.0);
        waits.record(4.0);
        reader.forceFlush().join(10, TimeUnit.SECONDS);
        meters.shutdown().join(10, TimeUnit.SECONDS);

        List<JsonNode> metrics = ingestion.accepted("Metric");
        JsonNode sent = metrics.stream().filter(m -> m.path("data").path("baseData").path("properties").path("graph_mailer.outcome").asText().equals("sent"))
                .findFirst().orElseThrow().path("data").path("baseData");
        assertThat(sent.path("metrics").get(0).path("name").asText()).isEqualTo("graph_mailer.sends");
        assertThat(sent.path("metrics").get(0).path("value").asDouble()).isEqualTo(2.0);
        JsonNode histogram = metrics.stream().filter(m -> m.path("data").path("baseData").path("metrics").get(0).path("name").asText()
                .equals("graph_mailer.retry_after")).findFirst().orElseThrow().path("data").path("baseData").path("metrics").get(0);
        assertThat(histogram.path("value").asDouble()).isEqualTo(6.0);
        assertThat(histogram.path("count").asInt()).isEqualTo(2);
        assertThat(histogram.path("min").asDouble()).isEqualTo(2.0);
        assertThat(histogram.path("max").asDouble()).isEqualTo(4.0);
    }

    @Test
    void givenAnotherResourcesInstrumentationKey_thenTheStandinRefusesEveryItemAndTheyAreDropped() {
        String foreign = ingestion.connectionString().replace(IngestionStandin.INSTRUMENTATION_KEY, "99999999-1111-4222-8333-444444444444");
        export = new ApplicationInsightsExport(IngestionConnection.parse(foreign), false, null, Duration.ofMillis(50));

        traceOneRequest(export.spanExporter().orElseThrow());

        assertThat(ingestion.answers()).containsExactly(400);
        assertThat(ingestion.accepted()).isEmpty();
        assertThat(export.dropped()).isEqualTo(4);
    }

    @Test
    void givenConnectionStrings_thenTheTrackUrlAndKeyAreRead() {
        assertThat(IngestionConnection.parse("InstrumentationKey=k1;IngestionEndpoint=https://westeurope-5.in.applicationinsights.azure.com/;LiveEndpoint=x")
                .orElseThrow().trackUrl()).hasToString("https://westeurope-5.in.applicationinsights.azure.com/v2.1/track");
        assertThat(IngestionConnection.parse("InstrumentationKey=k2").orElseThrow().trackUrl())
                .hasToString("https://dc.services.visualstudio.com/v2.1/track");
        assertThat(IngestionConnection.parse("instrumentationkey=k3;EndpointSuffix=applicationinsights.azure.cn").orElseThrow().trackUrl())
                .hasToString("https://dc.applicationinsights.azure.cn/v2.1/track");
        assertThat(IngestionConnection.parse("IngestionEndpoint=https://x/")).isEmpty();
        assertThat(IngestionConnection.parse("")).isEmpty();
        assertThat(IngestionConnection.parse("InstrumentationKey=k5;IngestionEndpoint=https://bad host/")).isEmpty();
        assertThat(IngestionConnection.parse("InstrumentationKey=k4").orElseThrow().toString()).doesNotContain("k4");
        assertThat(Optional.of(TrackEnvelopes.duration(90_061_234_000_000L))).contains("1.01:01:01.234");
        assertThat(TrackEnvelopes.duration(1_500_000L)).isEqualTo("0.00:00:00.001");
    }
}
