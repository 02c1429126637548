package io.graphmailer.adapter.out.telemetry;

import io.graphmailer.application.port.out.Telemetry;
import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.metrics.DoubleHistogram;
import io.opentelemetry.api.metrics.LongCounter;
import io.opentelemetry.api.metrics.Meter;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.api.trace.TracerProvider;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.ContextKey;
import io.opentelemetry.sdk.trace.ReadableSpan;
import jakarta.inject.Inject;
import jakarta.inject.Singleton;
import org.eclipse.microprofile.config.inject.ConfigProperty;

import java.time.Duration;
import java.time.Instant;
import java.util.EnumMap;
import java.util.Map;

/**
 * Telemetry through OpenTelemetry (Quarkus' SDK; exported only when APPLICATIONINSIGHTS_CONNECTION_STRING is set, a
 * no-op otherwise). The names here are the ones the workbook queries ({@code infra/terraform/workbook.tf}); a test
 * compares them.
 */
@Singleton
public final class OtelTelemetry implements Telemetry {
    /** The JSON log field (under {@code mdc}) that carries the tracking id of the message a line is about. */
    static final String MDC_TRACKING_ID = "trackingId";

    public static final String SCOPE = "io.graphmailer";
    public static final String SENDS = "graph_mailer.sends";
    public static final String THROTTLES = "graph_mailer.throttles";
    public static final String RETRY_AFTER = "graph_mailer.retry_after";
    public static final String WAITS = "graph_mailer.limit_waits";
    public static final String QUEUE_OUTCOMES = "graph_mailer.queue.outcomes";
    public static final String UNKNOWN_OUTCOMES = "graph_mailer.unknown_outcomes";
    public static final String DEAD_LETTER_ACTIONS = "graph_mailer.deadletter.actions";
    public static final String SEND_SPAN = "graph-mailer send";
    /** Queue message age at processing: from the insertion time the Functions host passes to when graph-mailer takes it. */
    public static final String QUEUE_MESSAGE_AGE = "graph_mailer.queue.message_age";
    /** Tokens had from MSAL, by kind, source (cache or network) and outcome; failures with their error code. */
    public static final String TOKEN_REFRESHES = "graph_mailer.token.refreshes";
    public static final String CERTIFICATE_DAYS = "graph_mailer.certificate.days_to_expiry";
    /** 429 and 503 answers inside the Graph client's own retries (every attempt), and the Retry-After each asked for. */
    public static final String GRAPH_THROTTLES = "graph_mailer.graph.throttles";
    public static final String GRAPH_RETRY_AFTER = "graph_mailer.graph.retry_after";

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
    /** On every outbound call's span: graph, keyvault, storage, identity, smtp. */
    public static final AttributeKey<String> SYSTEM = AttributeKey.stringKey("graph_mailer.call");
    public static final AttributeKey<String> METHOD = AttributeKey.stringKey("http.request.method");
    public static final AttributeKey<String> ROUTE = AttributeKey.stringKey("url.template");
    public static final AttributeKey<String> HOST = AttributeKey.stringKey("server.address");
    public static final AttributeKey<Long> STATUS = AttributeKey.longKey("http.response.status_code");
    public static final AttributeKey<Long> REPLY_CODE = AttributeKey.longKey("graph_mailer.smtp.reply_code");
    /** What Application Insights files an outbound span under (its dependency type): Http, SMTP, Azure table, ... */
    public static final AttributeKey<String> DEPENDENCY_TYPE = AttributeKey.stringKey("graph_mailer.dependency.type");
    public static final AttributeKey<String> REQUEST_ID = AttributeKey.stringKey("graph_mailer.request_id");
    public static final AttributeKey<Long> RETRY_AFTER_SECONDS = AttributeKey.longKey("graph_mailer.retry_after_seconds");
    public static final AttributeKey<String> STORAGE_SERVICE = AttributeKey.stringKey("graph_mailer.storage.service");
    public static final AttributeKey<String> STORAGE_RESOURCE = AttributeKey.stringKey("graph_mailer.storage.resource");
    public static final AttributeKey<String> TOKEN_KIND = AttributeKey.stringKey("graph_mailer.token.kind");
    public static final AttributeKey<String> TOKEN_SOURCE = AttributeKey.stringKey("graph_mailer.token.source");

    private static final Map<Attribute, AttributeKey<String>> TEXT = new EnumMap<>(Map.of(Attribute.METHOD, METHOD,
            Attribute.ROUTE, ROUTE, Attribute.HOST, HOST, Attribute.REQUEST_ID, REQUEST_ID, Attribute.STORAGE_SERVICE, STORAGE_SERVICE,
            Attribute.STORAGE_RESOURCE, STORAGE_RESOURCE, Attribute.TOKEN_KIND, TOKEN_KIND, Attribute.TOKEN_SOURCE, TOKEN_SOURCE));
    private static final Map<Attribute, AttributeKey<Long>> NUMBER = new EnumMap<>(Map.of(Attribute.STATUS, STATUS,
            Attribute.REPLY_CODE, REPLY_CODE, Attribute.RETRY_AFTER, RETRY_AFTER_SECONDS));

    /**
     * The ids every span inside one send or one queue message carries, its mailbox for the metrics of calls inside, and
     * the span outbound calls are children of (the send's, or the queue invocation's): a library's own span that is
     * current in between (graph-core's retry handler) does not take them out of the trace.
     */
    private record Ids(String trackingId, String invocationId, String mailbox, Span owner) {
    }

    private static final ContextKey<Ids> IDS = ContextKey.named("graph-mailer ids");

    private final Tracer tracer;
    private final LongCounter sends;
    private final LongCounter throttles;
    private final DoubleHistogram retryAfter;
    private final LongCounter waits;
    private final LongCounter queueOutcomes;
    private final LongCounter unknownOutcomes;
    private final LongCounter deadLetterActions;
    private final DoubleHistogram queueMessageAge;
    private final LongCounter tokenRefreshes;
    private final LongCounter graphThrottles;
    private final DoubleHistogram graphRetryAfter;
    private volatile Instant certificateNotAfter;

    public OtelTelemetry(OpenTelemetry otel) {
        this(otel, false);
    }

    /**
     * @param sdkDisabled the SDK is off ({@code quarkus.otel.sdk.disabled}, set by {@code TelemetrySwitch} when no
     *                    connection string is set): the spans are then made by a no-op tracer. The SDK Quarkus builds
     *                    when disabled has a tracer provider with no processor, which still records every span and its
     *                    attributes only to drop them (work on every send for nothing).
     */
    @Inject
    public OtelTelemetry(OpenTelemetry otel,
            @ConfigProperty(name = "quarkus.otel.sdk.disabled", defaultValue = "false") boolean sdkDisabled) {
        this.tracer = sdkDisabled ? TracerProvider.noop().get(SCOPE) : otel.getTracer(SCOPE);
        Meter meter = otel.getMeter(SCOPE);
        sends = meter.counterBuilder(SENDS).setDescription("sends by outcome, error code and mailbox").build();
        throttles = meter.counterBuilder(THROTTLES).setDescription("throttled sends (429/503 with Retry-After)").build();
        retryAfter = meter.histogramBuilder(RETRY_AFTER).setUnit("s").setDescription("Retry-After waits asked for").build();
        waits = meter.counterBuilder(WAITS).setDescription("queued messages put back to wait for a mailbox limit").build();
        queueOutcomes = meter.counterBuilder(QUEUE_OUTCOMES).setDescription("queue messages by outcome").build();
        unknownOutcomes = meter.counterBuilder(UNKNOWN_OUTCOMES).setDescription("unknown outcomes by how they were resolved").build();
        deadLetterActions = meter.counterBuilder(DEAD_LETTER_ACTIONS).setDescription("kept messages replayed or purged by operators").build();
        queueMessageAge = meter.histogramBuilder(QUEUE_MESSAGE_AGE).setUnit("s").setDescription("queue message age when processing began").build();
        tokenRefreshes = meter.counterBuilder(TOKEN_REFRESHES).setDescription("tokens had from MSAL by kind and source, and failures").build();
        graphThrottles = meter.counterBuilder(GRAPH_THROTTLES).setDescription("429/503 answers inside the Graph client's retries").build();
        graphRetryAfter = meter.histogramBuilder(GRAPH_RETRY_AFTER).setUnit("s").setDescription("Retry-After asked inside the Graph client's retries").build();
        meter.gaugeBuilder(CERTIFICATE_DAYS).setUnit("d").setDescription("days until the signing certificate expires").buildWithCallback(m -> {
            Instant notAfter = certificateNotAfter;
            if (notAfter != null) {
                m.record(Duration.between(Instant.now(), notAfter).toSeconds() / 86_400.0);
            }
        });
    }

    /** The ids in scope: those a send or queue message put there, else the current span's own (the trigger's). */
    private static Ids ids() {
        Ids ids = Context.current().get(IDS);
        if (ids != null) {
            return ids;
        }
        if (Span.current() instanceof ReadableSpan span) {
            return new Ids(span.getAttribute(TRACKING_ID), span.getAttribute(INVOCATION_ID), null, null);
        }
        return new Ids(null, null, null, null);
    }

    @Override
    public Call call(String system, String operation) {
        Ids ids = ids();
        var builder = tracer.spanBuilder(system + " " + operation).setSpanKind(SpanKind.CLIENT).setAttribute(SYSTEM, system);
        if (ids.owner() != null) {
            builder.setParent(Context.current().with(ids.owner()));
        }
        if (ids.trackingId() != null) {
            builder.setAttribute(TRACKING_ID, ids.trackingId());
        }
        if (ids.invocationId() != null) {
            builder.setAttribute(INVOCATION_ID, ids.invocationId());
        }
        Span span = builder.setAttribute(DEPENDENCY_TYPE, switch (system) {
            case "smtp" -> "SMTP";
            case "keyvault" -> "Azure Key Vault";
            case "storage" -> "Azure storage";
            default -> "Http";
        }).startSpan();
        return new Call() {
            @Override
            public Call set(Attribute attribute, String value) {
                AttributeKey<String> key = TEXT.get(attribute);
                if (value != null && key != null) {
                    span.setAttribute(key, value);
                    if (attribute == Attribute.STORAGE_SERVICE) {
                        span.setAttribute(DEPENDENCY_TYPE, "Azure " + value);
                    }
                }
                return this;
            }

            @Override
            public Call set(Attribute attribute, long value) {
                AttributeKey<Long> key = NUMBER.get(attribute);
                if (key != null) {
                    span.setAttribute(key, value);
                }
                return this;
            }

            @Override
            public void failed(String code) {
                span.setAttribute(ERROR_CODE, code);
                span.setStatus(StatusCode.ERROR, code);
            }

            @Override
            public void close() {
                span.end();
            }
        };
    }

    @Override
    public Telemetry.Scope queueMessage(String trackingId, String mailbox, Duration age) {
        Span trigger = Span.current();
        trigger.setAttribute(TRACKING_ID, trackingId);
        String invocationId = trigger instanceof ReadableSpan span ? span.getAttribute(INVOCATION_ID) : null;
        if (age != null) {
            queueMessageAge.record(Math.max(0, age.toMillis()) / 1000.0, Attributes.of(MAILBOX, mailbox));
        }
        io.opentelemetry.context.Scope scope = Context.current().with(IDS, new Ids(trackingId, invocationId, mailbox, trigger)).makeCurrent();
        Runnable untag = tagLogs(trackingId);
        return () -> {
            untag.run();
            scope.close();
        };
    }

    /** The log context's {@value #MDC_TRACKING_ID} field for the lines of one message; the previous value comes back after. */
    private static Runnable tagLogs(String trackingId) {
        Object before = org.jboss.logging.MDC.get(MDC_TRACKING_ID);
        org.jboss.logging.MDC.put(MDC_TRACKING_ID, trackingId);
        return () -> {
            if (before == null) {
                org.jboss.logging.MDC.remove(MDC_TRACKING_ID);
            } else {
                org.jboss.logging.MDC.put(MDC_TRACKING_ID, before);
            }
        };
    }

    @Override
    public void graphThrottled(int status, Long retryAfterSeconds) {
        String mailbox = ids().mailbox() == null ? "" : ids().mailbox();
        graphThrottles.add(1, Attributes.of(MAILBOX, mailbox, STATUS, (long) status));
        if (retryAfterSeconds != null) {
            graphRetryAfter.record(retryAfterSeconds, Attributes.of(MAILBOX, mailbox));
        }
    }

    @Override
    public void tokenAcquired(String kind, String source) {
        tokenRefreshes.add(1, Attributes.of(TOKEN_KIND, kind, TOKEN_SOURCE, source, OUTCOME, "ok", ERROR_CODE, ""));
    }

    @Override
    public void tokenFailed(String kind, String code) {
        tokenRefreshes.add(1, Attributes.of(TOKEN_KIND, kind, TOKEN_SOURCE, "network", OUTCOME, "failed", ERROR_CODE, code == null ? "" : code));
    }

    @Override
    public void certificateLoaded(Instant notAfter) {
        certificateNotAfter = notAfter;
    }

    @Override
    public Send send(String trackingId, String mailbox, String transport) {
        // The trigger's span (HTTP request or Functions invocation) gets the tracking id too.
        Span.current().setAttribute(TRACKING_ID, trackingId);
        String invocationId = ids().invocationId();
        Span span = tracer.spanBuilder(SEND_SPAN).setAttribute(TRACKING_ID, trackingId).setAttribute(MAILBOX, mailbox)
                .setAttribute(TRANSPORT, transport).setAttribute(INVOCATION_ID, invocationId).startSpan();
        io.opentelemetry.context.Scope scope = Context.current().with(span).with(IDS, new Ids(trackingId, invocationId, mailbox, span)).makeCurrent();
        Runnable untag = tagLogs(trackingId);
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
                untag.run();
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
