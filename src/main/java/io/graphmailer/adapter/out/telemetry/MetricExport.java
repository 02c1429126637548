package io.graphmailer.adapter.out.telemetry;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.opentelemetry.sdk.common.CompletableResultCode;
import io.opentelemetry.sdk.metrics.InstrumentType;
import io.opentelemetry.sdk.metrics.data.AggregationTemporality;
import io.opentelemetry.sdk.metrics.data.MetricData;
import io.opentelemetry.sdk.metrics.export.AggregationTemporalitySelector;
import io.opentelemetry.sdk.metrics.export.MetricExporter;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;

/**
 * Metric points to Application Insights ({@code customMetrics}). Counters and histograms are read as deltas, so each
 * row is what happened in its export interval and a workbook's {@code sum(valueSum)} over time is the total.
 */
final class MetricExport implements MetricExporter {
    private static final AggregationTemporalitySelector DELTA = AggregationTemporalitySelector.deltaPreferred();
    private final TrackEnvelopes envelopes;
    private final TrackSender sender;
    private volatile boolean shutdown;

    MetricExport(TrackEnvelopes envelopes, TrackSender sender) {
        this.envelopes = envelopes;
        this.sender = sender;
    }

    @Override
    public AggregationTemporality getAggregationTemporality(InstrumentType instrumentType) {
        return DELTA.getAggregationTemporality(instrumentType);
    }

    @Override
    public CompletableResultCode export(Collection<MetricData> metrics) {
        if (shutdown) {
            return CompletableResultCode.ofFailure();
        }
        List<ObjectNode> out = new ArrayList<>();
        metrics.forEach(m -> out.addAll(envelopes.metric(m)));
        if (out.isEmpty()) {
            return CompletableResultCode.ofSuccess();
        }
        return sender.send(out) ? CompletableResultCode.ofSuccess() : CompletableResultCode.ofFailure();
    }

    @Override
    public CompletableResultCode flush() {
        return CompletableResultCode.ofSuccess();
    }

    @Override
    public CompletableResultCode shutdown() {
        shutdown = true;
        return CompletableResultCode.ofSuccess();
    }
}
