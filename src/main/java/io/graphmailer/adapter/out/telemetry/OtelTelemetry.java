package io.graphmailer.adapter.out.telemetry;

import io.graphmailer.application.port.out.Telemetry;
import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.metrics.DoubleHistogram;
import io.opentelemetry.api.metrics.LongCounter;
import io.opentelemetry.api.metrics.Meter;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.context.Scope;
import jakarta.inject.Inject;
import jakarta.inject.Singleton;

import java.time.Duration;

/**
 * Telemetry through OpenTelemetry (Quarkus' SDK; exported only when APPLICATIONINSIGHTS_CONNECTION_STRING is set, a
 * no-op otherwise). The names here are the ones the workbook queries ({@code infra/terraform/workbook.tf}); a test
 * compares them.
 */
@Singleton
public final class OtelTelemetry implements Telemetry {
    public static final String SCOPE = "io.graphmailer";
    public static final String SENDS = "graph_mailer.sends";
    public static final String THROTTLES = "graph_mailer.throttles";
    public static final String RETRY_AFTER = "graph_mailer.retry_after";
    public static final String WAITS = "graph_mailer.limit_waits";
    public static final String QUEUE_OUTCOMES = "graph_mailer.queue.outcomes";
    public static final String UNKNOWN_OUTCOMES = "graph_mailer.unknown_outcomes";
    public static final String DEAD_LETTER_ACTIONS = "graph_mailer.deadletter.actions";
    public static final String SEND_SPAN = "graph-mailer send";

    public static final AttributeKey<String> TRACKING_ID = AttributeKey.stringKey("graph_mailer.tracking_id");
    public static final AttributeKey<String> MAILBOX = AttributeKey.stringKey("graph_mailer.mailbox");
    public static final AttributeKey<String> TRANSPORT = AttributeKey.stringKey("graph_mailer.transport");
    public static final AttributeKey<String> OUTCOME = AttributeKey.stringKey("graph_mailer.outcome");
    public static final AttributeKey<String> ERROR_CODE = AttributeKey.stringKey("graph_mailer.error_code");
    public static final AttributeKey<String> LIMIT = AttributeKey.stringKey("graph_mailer.limit");
    public static final AttributeKey<String> RESULT = AttributeKey.stringKey("graph_mailer.result");
    public static final AttributeKey<String> ACTION = AttributeKey.stringKey("graph_mailer.action");
    /** The Functions host's invocation id (header X-Azure-Functions-InvocationId), on the trigger's span. */
    public static final AttributeKey<String> INVOCATION_ID = AttributeKey.stringKey("faas.invocation_id");

    private final Tracer tracer;
    private final LongCounter sends;
    private final LongCounter throttles;
    private final DoubleHistogram retryAfter;
    private final LongCounter waits;
    private final LongCounter queueOutcomes;
    private final LongCounter unknownOutcomes;
    private final LongCounter deadLetterActions;

    @Inject
    public OtelTelemetry(OpenTelemetry otel) {
        this.tracer = otel.getTracer(SCOPE);
        Meter meter = otel.getMeter(SCOPE);
        sends = meter.counterBuilder(SENDS).setDescription("sends by outcome, error code and mailbox").build();
        throttles = meter.counterBuilder(THROTTLES).setDescription("throttled sends (429/503 with Retry-After)").build();
        retryAfter = meter.histogramBuilder(RETRY_AFTER).setUnit("s").setDescription("Retry-After waits asked for").build();
        waits = meter.counterBuilder(WAITS).setDescription("queued messages put back to wait for a mailbox limit").build();
        queueOutcomes = meter.counterBuilder(QUEUE_OUTCOMES).setDescription("queue messages by outcome").build();
        unknownOutcomes = meter.counterBuilder(UNKNOWN_OUTCOMES).setDescription("unknown outcomes by how they were resolved").build();
        deadLetterActions = meter.counterBuilder(DEAD_LETTER_ACTIONS).setDescription("kept messages replayed or purged by operators").build();
    }

    @Override
    public Send send(String trackingId, String mailbox, String transport) {
        // The trigger's span (HTTP request or Functions invocation) gets the tracking id too.
        Span.current().setAttribute(TRACKING_ID, trackingId);
        Span span = tracer.spanBuilder(SEND_SPAN).setAttribute(TRACKING_ID, trackingId).setAttribute(MAILBOX, mailbox)
                .setAttribute(TRANSPORT, transport).startSpan();
        Scope scope = span.makeCurrent();
        return new Send() {
            private String outcome = "error";
            private String code = "";

            @Override
            public void outcome(String outcome, String code) {
                this.outcome = outcome;
                this.code = code == null ? "" : code;
            }

            @Override
            public void close() {
                span.setAttribute(OUTCOME, outcome);
                if (!code.isEmpty()) {
                    span.setAttribute(ERROR_CODE, code);
                    span.setStatus(StatusCode.ERROR, code);
                }
                scope.close();
                span.end();
                sends.add(1, Attributes.of(OUTCOME, outcome, ERROR_CODE, code, MAILBOX, mailbox, TRANSPORT, transport));
            }
        };
    }

    @Override
    public void throttled(String mailbox, Duration wait) {
        throttles.add(1, Attributes.of(MAILBOX, mailbox));
        if (wait != null) {
            retryAfter.record(wait.toMillis() / 1000.0, Attributes.of(MAILBOX, mailbox));
        }
    }

    @Override
    public void waitingForLimit(String mailbox, String limit) {
        waits.add(1, Attributes.of(MAILBOX, mailbox, LIMIT, limit));
    }

    @Override
    public void queueOutcome(String outcome, String code) {
        queueOutcomes.add(1, Attributes.of(OUTCOME, outcome, ERROR_CODE, code == null ? "" : code));
    }

    @Override
    public void unknownOutcome(String result) {
        unknownOutcomes.add(1, Attributes.of(RESULT, result));
    }

    @Override
    public void deadLetterAction(String action, int count) {
        if (count > 0) {
            deadLetterActions.add(count, Attributes.of(ACTION, action));
        }
    }
}
