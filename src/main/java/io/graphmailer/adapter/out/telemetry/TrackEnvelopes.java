package io.graphmailer.adapter.out.telemetry;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.trace.SpanContext;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.sdk.metrics.data.DoublePointData;
import io.opentelemetry.sdk.metrics.data.HistogramPointData;
import io.opentelemetry.sdk.metrics.data.LongPointData;
import io.opentelemetry.sdk.metrics.data.MetricData;
import io.opentelemetry.sdk.metrics.data.PointData;
import io.opentelemetry.sdk.resources.Resource;
import io.opentelemetry.sdk.trace.data.EventData;
import io.opentelemetry.sdk.trace.data.SpanData;

import java.net.URI;
import java.time.Instant;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;

/**
 * Maps OpenTelemetry spans and metric points to Application Insights track envelopes (the JSON the ingestion endpoint's
 * {@code /v2.1/track} takes). Server and consumer spans, and root internal spans, become {@code Request}s; client,
 * producer and child internal spans {@code RemoteDependency}s; exception events {@code Exception}s; each metric point
 * one {@code Metric}. Span and point attributes become {@code properties} (Kusto's {@code customDimensions}), so the
 * tracking id ({@code graph_mailer.tracking_id}) and the invocation id ({@code faas.invocation_id}) are queryable there.
 */
final class TrackEnvelopes {
    static final String REQUEST = "Request";
    static final String DEPENDENCY = "RemoteDependency";
    static final String EXCEPTION = "Exception";
    static final String METRIC = "Metric";
    /** Sets a dependency's {@code type} where the attributes do not tell it (for example {@code SMTP}, {@code Azure table}). */
    static final AttributeKey<String> DEPENDENCY_TYPE = AttributeKey.stringKey("graph_mailer.dependency.type");
    static final String SDK_VERSION = "graph-mailer-otel:1";
    /** Application Insights keeps at most 8192 characters of a property value. */
    private static final int MAX_PROPERTY = 8192;
    private static final JsonNodeFactory JSON = JsonNodeFactory.instance;
    private static final DateTimeFormatter TIME = DateTimeFormatter.ISO_INSTANT;

    private static final AttributeKey<Long> HTTP_STATUS = AttributeKey.longKey("http.response.status_code");
    private static final AttributeKey<Long> HTTP_STATUS_OLD = AttributeKey.longKey("http.status_code");
    private static final AttributeKey<String> HTTP_METHOD = AttributeKey.stringKey("http.request.method");
    private static final AttributeKey<String> HTTP_METHOD_OLD = AttributeKey.stringKey("http.method");
    private static final AttributeKey<String> URL_FULL = AttributeKey.stringKey("url.full");
    private static final AttributeKey<String> URL_SCHEME = AttributeKey.stringKey("url.scheme");
    private static final AttributeKey<String> URL_PATH = AttributeKey.stringKey("url.path");
    private static final AttributeKey<String> SERVER_ADDRESS = AttributeKey.stringKey("server.address");
    private static final AttributeKey<Long> SERVER_PORT = AttributeKey.longKey("server.port");
    private static final AttributeKey<String> DB_SYSTEM = AttributeKey.stringKey("db.system");
    private static final AttributeKey<String> MESSAGING_SYSTEM = AttributeKey.stringKey("messaging.system");
    private static final AttributeKey<String> RPC_SYSTEM = AttributeKey.stringKey("rpc.system");
    private static final AttributeKey<String> PROTOCOL = AttributeKey.stringKey("network.protocol.name");
    private static final AttributeKey<String> AZ_NAMESPACE = AttributeKey.stringKey("az.namespace");
    private static final AttributeKey<String> SERVICE_NAME = AttributeKey.stringKey("service.name");
    private static final AttributeKey<String> HOST_NAME = AttributeKey.stringKey("host.name");

    private final String instrumentationKey;
    private final String roleInstance;

    TrackEnvelopes(String instrumentationKey, String roleInstance) {
        this.instrumentationKey = instrumentationKey;
        this.roleInstance = roleInstance;
    }

    /** The envelopes of one span: its request or dependency, then one exception per exception event. */
    List<ObjectNode> span(SpanData span) {
        List<ObjectNode> out = new ArrayList<>(1);
        boolean request = isRequest(span);
        ObjectNode tags = tags(span.getResource());
        tags.put("ai.operation.id", span.getTraceId());
        SpanContext parent = span.getParentSpanContext();
        if (parent.isValid()) {
            tags.put("ai.operation.parentId", parent.getSpanId());
        }
        if (request) {
            tags.put("ai.operation.name", span.getName());
        }
        Attributes attributes = span.getAttributes();
        ObjectNode base = JSON.objectNode();
        base.put("ver", 2);
        base.put("id", span.getSpanId());
        base.put("name", span.getName());
        base.put("duration", duration(span.getEndEpochNanos() - span.getStartEpochNanos()));
        Long status = httpStatus(attributes);
        boolean success = span.getStatus().getStatusCode() != StatusCode.ERROR && (status == null || status < 400);
        base.put("success", success);
        String url = url(attributes);
        if (request) {
            base.put("responseCode", status != null ? status.toString() : (success ? "0" : "1"));
            if (url != null) {
                base.put("url", url);
            }
        } else {
            base.put("resultCode", status != null ? status.toString() : (success ? "0" : "1"));
            base.put("type", dependencyType(span, attributes, url));
            String target = target(attributes, url);
            if (target != null) {
                base.put("target", target);
            }
            if (url != null) {
                base.put("data", url);
            }
        }
        ObjectNode properties = properties(attributes);
        if (span.getStatus().getStatusCode() == StatusCode.ERROR && !span.getStatus().getDescription().isEmpty()) {
            properties.put("otel.status_description", cut(span.getStatus().getDescription()));
        }
        if (!properties.isEmpty()) {
            base.set("properties", properties);
        }
        out.add(envelope(request ? REQUEST : DEPENDENCY, request ? "RequestData" : "RemoteDependencyData",
                span.getStartEpochNanos(), tags, base));
        for (EventData event : span.getEvents()) {
            if ("exception".equals(event.getName())) {
                out.add(exception(span, event));
            }
        }
        return out;
    }

    private ObjectNode exception(SpanData span, EventData event) {
        ObjectNode tags = tags(span.getResource());
        tags.put("ai.operation.id", span.getTraceId());
        tags.put("ai.operation.parentId", span.getSpanId());
        Attributes a = event.getAttributes();
        ObjectNode detail = JSON.objectNode();
        String type = a.get(AttributeKey.stringKey("exception.type"));
        detail.put("typeName", type == null ? "Exception" : type);
        String message = a.get(AttributeKey.stringKey("exception.message"));
        detail.put("message", cut(message == null || message.isBlank() ? (type == null ? "Exception" : type) : message));
        String stack = a.get(AttributeKey.stringKey("exception.stacktrace"));
        detail.put("hasFullStack", stack != null);
        if (stack != null) {
            detail.put("stack", stack.length() > 32768 ? stack.substring(0, 32768) : stack);
        }
        ObjectNode base = JSON.objectNode();
        base.put("ver", 2);
        base.putArray("exceptions").add(detail);
        return envelope(EXCEPTION, "ExceptionData", event.getEpochNanos(), tags, base);
    }

    /** One envelope per point: sums and gauges as a value, histograms as sum, count, min and max. */
    List<ObjectNode> metric(MetricData metric) {
        List<ObjectNode> out = new ArrayList<>();
        for (PointData point : metric.getData().getPoints()) {
            ObjectNode m = JSON.objectNode();
            m.put("name", metric.getName());
            if (point instanceof LongPointData p) {
                m.put("value", (double) p.getValue());
                m.put("count", 1);
            } else if (point instanceof DoublePointData p) {
                m.put("value", p.getValue());
                m.put("count", 1);
            } else if (point instanceof HistogramPointData p) {
                if (p.getCount() == 0) {
                    continue;
                }
                m.put("value", p.getSum());
                m.put("count", p.getCount());
                if (p.hasMin()) {
                    m.put("min", p.getMin());
                }
                if (p.hasMax()) {
                    m.put("max", p.getMax());
                }
            } else {
                continue; // exponential histograms and summaries: none of ours
            }
            ObjectNode base = JSON.objectNode();
            base.put("ver", 2);
            base.putArray("metrics").add(m);
            ObjectNode properties = properties(point.getAttributes());
            if (!properties.isEmpty()) {
                base.set("properties", properties);
            }
            out.add(envelope(METRIC, "MetricData", point.getEpochNanos(), tags(metric.getResource()), base));
        }
        return out;
    }

    private ObjectNode envelope(String name, String baseType, long epochNanos, ObjectNode tags, ObjectNode base) {
        ObjectNode e = JSON.objectNode();
        e.put("ver", 1);
        e.put("name", name);
        e.put("time", TIME.format(Instant.ofEpochSecond(0, epochNanos).truncatedTo(java.time.temporal.ChronoUnit.MILLIS)));
        e.put("sampleRate", 100.0);
        e.put("iKey", instrumentationKey);
        e.set("tags", tags);
        ObjectNode data = e.putObject("data");
        data.put("baseType", baseType);
        data.set("baseData", base);
        return e;
    }

    private ObjectNode tags(Resource resource) {
        ObjectNode tags = JSON.objectNode();
        String role = resource == null ? null : resource.getAttribute(SERVICE_NAME);
        tags.put("ai.cloud.role", role == null ? "graph-mailer" : role);
        String host = resource == null ? null : resource.getAttribute(HOST_NAME);
        tags.put("ai.cloud.roleInstance", roleInstance != null ? roleInstance : host == null ? "unknown" : host);
        tags.put("ai.internal.sdkVersion", SDK_VERSION);
        return tags;
    }

    private static boolean isRequest(SpanData span) {
        SpanKind kind = span.getKind();
        return kind == SpanKind.SERVER || kind == SpanKind.CONSUMER
                || (kind == SpanKind.INTERNAL && !span.getParentSpanContext().isValid());
    }

    private static String dependencyType(SpanData span, Attributes a, String url) {
        String explicit = a.get(DEPENDENCY_TYPE);
        if (explicit != null && !explicit.isBlank()) {
            return explicit;
        }
        if (span.getKind() == SpanKind.INTERNAL) {
            return "InProc";
        }
        String protocol = a.get(PROTOCOL);
        if (protocol != null && protocol.toLowerCase(Locale.ROOT).startsWith("smtp")) {
            return "SMTP";
        }
        String db = a.get(DB_SYSTEM);
        if (db != null) {
            return db;
        }
        String messaging = a.get(MESSAGING_SYSTEM);
        if (messaging != null) {
            return "Queue Message | " + messaging;
        }
        String host = url == null ? a.get(SERVER_ADDRESS) : hostOf(url);
        if (host != null) {
            if (host.contains(".table.")) {
                return "Azure table";
            }
            if (host.contains(".queue.")) {
                return "Azure queue";
            }
            if (host.contains(".blob.")) {
                return "Azure blob";
            }
        }
        String az = a.get(AZ_NAMESPACE);
        if (az != null) {
            return az;
        }
        if (a.get(HTTP_METHOD) != null || a.get(HTTP_METHOD_OLD) != null || url != null) {
            return "Http";
        }
        String rpc = a.get(RPC_SYSTEM);
        return rpc != null ? rpc : "Other";
    }

    private static String target(Attributes a, String url) {
        String host = a.get(SERVER_ADDRESS);
        if (host == null && url != null) {
            host = hostOf(url);
        }
        if (host == null) {
            return null;
        }
        Long port = a.get(SERVER_PORT);
        return port != null && port != 443 && port != 80 ? host + ":" + port : host;
    }

    private static String hostOf(String url) {
        try {
            return URI.create(url).getHost();
        } catch (IllegalArgumentException e) {
            return null;
        }
    }

    private static String url(Attributes a) {
        String full = a.get(URL_FULL);
        if (full != null) {
            return stripQuery(full);
        }
        String scheme = a.get(URL_SCHEME);
        String host = a.get(SERVER_ADDRESS);
        String path = a.get(URL_PATH);
        if (scheme != null && host != null && path != null) {
            Long port = a.get(SERVER_PORT);
            return scheme + "://" + host + (port == null ? "" : ":" + port) + path;
        }
        return null;
    }

    /** A query string can carry a SAS signature or a key: never exported. */
    private static String stripQuery(String url) {
        int q = url.indexOf('?');
        return q < 0 ? url : url.substring(0, q);
    }

    private static Long httpStatus(Attributes a) {
        Long status = a.get(HTTP_STATUS);
        return status != null ? status : a.get(HTTP_STATUS_OLD);
    }

    private static ObjectNode properties(Attributes attributes) {
        ObjectNode properties = JSON.objectNode();
        attributes.forEach((key, value) -> {
            String name = key.getKey();
            if (name.equals(URL_FULL.getKey()) || name.startsWith("url.query")) {
                return;
            }
            properties.put(name, cut(String.valueOf(value)));
        });
        return properties;
    }

    private static String cut(String value) {
        return value.length() > MAX_PROPERTY ? value.substring(0, MAX_PROPERTY) : value;
    }

    /** Application Insights' duration: {@code d.hh:mm:ss.fff}. */
    static String duration(long nanos) {
        long millis = Math.max(0, TimeUnit.NANOSECONDS.toMillis(nanos));
        long days = millis / 86_400_000L;
        long hours = millis / 3_600_000L % 24;
        long minutes = millis / 60_000L % 60;
        long seconds = millis / 1000 % 60;
        return String.format(Locale.ROOT, "%d.%02d:%02d:%02d.%03d", days, hours, minutes, seconds, millis % 1000);
    }
}
