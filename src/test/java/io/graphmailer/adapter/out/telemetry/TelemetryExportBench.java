package io.graphmailer.adapter.out.telemetry;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.graphmailer.standin.IngestionStandin;
import io.graphmailer.standin.Standins;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.context.Scope;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.SimpleSpanProcessor;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * What the Application Insights export costs on the SDK's export thread: mapping spans to envelopes, gzip, and posting
 * batches of 512 to the ingestion stand-in on loopback. Run by bench/telemetry-export.sh; prints numbers, asserts none.
 * Each "send" is three spans as a real one makes: the HTTP request, the send, one outbound call.
 */
public final class TelemetryExportBench {
    public static void main(String[] args) {
        int sends = Integer.getInteger("bench.sends", 5000);
        InMemorySpanExporter memory = InMemorySpanExporter.create();
        SdkTracerProvider tracers = SdkTracerProvider.builder().addSpanProcessor(SimpleSpanProcessor.create(memory)).build();
        Tracer tracer = tracers.get("bench");
        for (int i = 0; i < sends; i++) {
            Span server = tracer.spanBuilder("POST /api/users/{id}/sendMail").setSpanKind(SpanKind.SERVER)
                    .setAttribute("http.response.status_code", 202L).setAttribute("url.scheme", "http")
                    .setAttribute("server.address", "127.0.0.1").setAttribute("url.path", "/api/users/mailer@contoso.test/sendMail")
                    .setAttribute("graph_mailer.tracking_id", "trk-" + i).setAttribute("faas.invocation_id", "inv-" + i).startSpan();
            try (Scope ignored = server.makeCurrent()) {
                Span send = tracer.spanBuilder("graph-mailer send").setAttribute("graph_mailer.tracking_id", "trk-" + i)
                        .setAttribute("graph_mailer.mailbox", "mailer@contoso.test").setAttribute("graph_mailer.outcome", "sent").startSpan();
                try (Scope s = send.makeCurrent()) {
                    tracer.spanBuilder("POST").setSpanKind(SpanKind.CLIENT).setAttribute("http.request.method", "POST")
                            .setAttribute("http.response.status_code", 202L)
                            .setAttribute("url.full", "https://graph.microsoft.com/v1.0/users/mailer@contoso.test/sendMail").startSpan().end();
                } finally {
                    send.end();
                }
            } finally {
                server.end();
            }
        }
        List<SpanData> spans = memory.getFinishedSpanItems();

        IngestionStandin ingestion = new IngestionStandin(Standins.shared().identity());
        ingestion.start();
        try {
            IngestionConnection connection = IngestionConnection.parse(ingestion.connectionString()).orElseThrow();
            TrackEnvelopes envelopes = new TrackEnvelopes(connection.instrumentationKey(), "bench");
            for (int round = 0; round < 2; round++) { // the first round warms the JIT up
                long t0 = System.nanoTime();
                List<ObjectNode> mapped = new ArrayList<>(spans.size());
                spans.forEach(s -> mapped.addAll(envelopes.span(s)));
                long t1 = System.nanoTime();
                long bytes = 0;
                for (int i = 0; i < mapped.size(); i += TrackSender.MAX_BATCH) {
                    bytes += TrackSender.gzip(mapped.subList(i, Math.min(mapped.size(), i + TrackSender.MAX_BATCH))).length;
                }
                long t2 = System.nanoTime();
                TrackSender sender = new TrackSender(connection.trackUrl(), java.util.Optional.empty(), Duration.ofSeconds(20), Duration.ofSeconds(1));
                SpanExport export = new SpanExport(envelopes, sender);
                int batches = 0;
                for (int i = 0; i < spans.size(); i += TrackSender.MAX_BATCH) {
                    export.export(spans.subList(i, Math.min(spans.size(), i + TrackSender.MAX_BATCH)));
                    batches++;
                }
                long t3 = System.nanoTime();
                if (round == 1) {
                    System.out.printf("spans=%d envelopes=%d accepted=%d dropped=%d%n", spans.size(), mapped.size(), sender.accepted(), sender.dropped());
                    System.out.printf("map: %.2f us/span; gzip: %.2f us/span, %.0f bytes/envelope gzipped%n",
                            (t1 - t0) / 1000.0 / spans.size(), (t2 - t1) / 1000.0 / spans.size(), (double) bytes / mapped.size());
                    System.out.printf("export to the stand-in (map+gzip+POST, %d batches of <=512 spans): %.1f ms/batch, %.0f spans/s%n",
                            batches, (t3 - t2) / 1e6 / batches, spans.size() / ((t3 - t2) / 1e9));
                }
            }
        } finally {
            ingestion.stop();
            tracers.shutdown();
        }
        System.exit(0);
    }
}
