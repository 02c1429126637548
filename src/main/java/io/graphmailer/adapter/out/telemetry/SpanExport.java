package io.graphmailer.adapter.out.telemetry;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.opentelemetry.sdk.common.CompletableResultCode;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.SpanExporter;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;

/** Spans to Application Insights ({@code requests}, {@code dependencies}, {@code exceptions}); the SDK's batch processor feeds it. */
final class SpanExport implements SpanExporter {
    private final TrackEnvelopes envelopes;
    private final TrackSender sender;
    private volatile boolean shutdown;

    SpanExport(TrackEnvelopes envelopes, TrackSender sender) {
        this.envelopes = envelopes;
        this.sender = sender;
    }

    @Override
    public CompletableResultCode export(Collection<SpanData> spans) {
        if (shutdown) {
            return CompletableResultCode.ofFailure();
        }
        List<ObjectNode> out = new ArrayList<>(spans.size());
        spans.forEach(s -> out.addAll(envelopes.span(s)));
        return sender.send(out) ? CompletableResultCode.ofSuccess() : CompletableResultCode.ofFailure();
    }

    @Override
    public CompletableResultCode flush() {
        return CompletableResultCode.ofSuccess(); // every export is sent before it returns
    }

    @Override
    public CompletableResultCode shutdown() {
        shutdown = true;
        return CompletableResultCode.ofSuccess();
    }
}
