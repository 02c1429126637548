package io.graphmailer.standin;

import com.fasterxml.jackson.databind.JsonNode;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;
import java.util.regex.Pattern;
import java.util.zip.GZIPInputStream;

/**
 * Stand-in for the Application Insights ingestion endpoint's track API ({@code POST {IngestionEndpoint}/v2.1/track}),
 * HTTPS on 127.0.0.1 as {@code https://localhost:<port>/}. It checks what the service checks of each envelope: the
 * instrumentation key, a known envelope name with its base type, an ISO-8601 {@code time}, and the base data's
 * required fields ({@code id}, {@code name}, {@code duration} as {@code d.hh:mm:ss.fff}, {@code responseCode} /
 * {@code resultCode}, {@code success}; metrics with a name and value; exceptions with a type and message). The body is
 * a JSON array or newline-delimited JSON, gzip or not. Answers: 200 with {@code itemsReceived}/{@code itemsAccepted},
 * 206 with per-item {@code errors} (status 400) when some are invalid, 400 when none is valid or the body does not
 * parse. Injected faults answer the next requests with 429/503 (and {@code Retry-After}) or 500. With
 * {@link #requireEntraToken()} a request needs a bearer token for {@code https://monitor.azure.com} (else 401), as a
 * resource with local authentication disabled does. It records each accepted envelope and each decoded body.
 */
public final class IngestionStandin extends StandinServer {
    public static final String INSTRUMENTATION_KEY = "00000000-1111-4222-8333-444444444444";
    private static final Map<String, String> BASE_TYPES = Map.of(
            "Request", "RequestData", "RemoteDependency", "RemoteDependencyData", "Exception", "ExceptionData",
            "Metric", "MetricData", "Message", "MessageData", "Event", "EventData");
    private static final Pattern DURATION = Pattern.compile("^(\\d+\\.)?\\d{2}:\\d{2}:\\d{2}(\\.\\d{1,7})?$");

    /** A fault for the next request: its status and Retry-After seconds (negative: no header). */
    public record Fault(int status, int retryAfterSeconds) {
    }

    private final IdentityPlatformStandin identity;
    private volatile String instrumentationKey = INSTRUMENTATION_KEY;
    private final Deque<Fault> faults = new ArrayDeque<>();
    private final List<JsonNode> accepted = new CopyOnWriteArrayList<>();
    private final List<String> bodies = new CopyOnWriteArrayList<>();
    private final List<Integer> answers = new CopyOnWriteArrayList<>();
    private final AtomicInteger requests = new AtomicInteger();
    private volatile Predicate<JsonNode> refuse = e -> false;
    private volatile boolean entraOnly;

    public IngestionStandin(IdentityPlatformStandin identity) {
        super("ingestion", "localhost", 0, true);
        this.identity = identity;
        route("POST", "/v2\\.1/track", this::track);
    }

    /** {@code InstrumentationKey=...;IngestionEndpoint=https://localhost:<port>/} */
    public String connectionString() {
        return "InstrumentationKey=" + instrumentationKey + ";IngestionEndpoint=" + baseUrl() + "/;LiveEndpoint=" + baseUrl() + "/";
    }

    public synchronized void reset() {
        faults.clear();
        accepted.clear();
        bodies.clear();
        answers.clear();
        requests.set(0);
        refuse = e -> false;
        entraOnly = false;
        instrumentationKey = INSTRUMENTATION_KEY;
        clearUnmatched();
    }

    /** The next {@code count} requests get {@code fault} (each), before any envelope is looked at. */
    public synchronized void injectFaults(int count, Fault fault) {
        for (int i = 0; i < count; i++) {
            faults.add(fault);
        }
    }

    /** Envelopes matching {@code which} are refused with 400 in a 206, as the service refuses an invalid item. */
    public void refuseItems(Predicate<JsonNode> which) {
        this.refuse = which;
    }

    /** From now on, only requests with an Entra ID token for the ingestion audience are accepted (local auth off). */
    public void requireEntraToken() {
        this.entraOnly = true;
    }

    public List<JsonNode> accepted() {
        return List.copyOf(accepted);
    }

    /** Accepted envelopes of one name ({@code Request}, {@code RemoteDependency}, {@code Metric}, ...). */
    public List<JsonNode> accepted(String name) {
        return accepted.stream().filter(e -> name.equals(shortName(e.path("name").asText()))).toList();
    }

    /** Every request body as received (decompressed), valid or not. */
    public List<String> bodies() {
        return List.copyOf(bodies);
    }

    /** The status of each answer, in order. */
    public List<Integer> answers() {
        return List.copyOf(answers);
    }

    public int requests() {
        return requests.get();
    }

    private void track(Request request) throws IOException {
        requests.incrementAndGet();
        byte[] raw = request.body(16 * 1024 * 1024);
        String body;
        try {
            body = "gzip".equalsIgnoreCase(request.header("Content-Encoding"))
                    ? new String(new GZIPInputStream(new ByteArrayInputStream(raw)).readAllBytes(), StandardCharsets.UTF_8)
                    : new String(raw, StandardCharsets.UTF_8);
        } catch (IOException e) {
            answer(request, 400, Map.of("itemsReceived", 0, "itemsAccepted", 0,
                    "errors", List.of(Map.of("index", 0, "statusCode", 400, "message", "Invalid gzip body"))), Map.of());
            return;
        }
        bodies.add(body);
        Fault fault;
        synchronized (this) {
            fault = faults.poll();
        }
        if (fault != null) {
            Map<String, String> headers = fault.retryAfterSeconds() >= 0
                    ? Map.of("Retry-After", Integer.toString(fault.retryAfterSeconds())) : Map.of();
            answer(request, fault.status(), Map.of("itemsReceived", 0, "itemsAccepted", 0, "errors", List.of()), headers);
            return;
        }
        if (entraOnly) {
            AccessTokenVerifier.Result token = new AccessTokenVerifier(identity,
                    Set.of("https://monitor.azure.com", "https://monitor.azure.com/"), java.time.Duration.ofMinutes(5))
                    .verify(request.header("Authorization"));
            if (!token.ok()) {
                answer(request, 401, Map.of("itemsReceived", 0, "itemsAccepted", 0, "errors", List.of(Map.of("index", 0,
                        "statusCode", 401, "message", "Authorization failed: " + token.failure()))), Map.of());
                return;
            }
        }
        List<JsonNode> items = new ArrayList<>();
        try {
            String trimmed = body.trim();
            if (trimmed.startsWith("[")) {
                JSON.readTree(trimmed).forEach(items::add);
            } else {
                for (String line : trimmed.split("\n")) {
                    if (!line.isBlank()) {
                        items.add(JSON.readTree(line));
                    }
                }
            }
        } catch (IOException e) {
            answer(request, 400, Map.of("itemsReceived", 0, "itemsAccepted", 0,
                    "errors", List.of(Map.of("index", 0, "statusCode", 400, "message", "Invalid JSON"))), Map.of());
            return;
        }
        List<Map<String, Object>> errors = new ArrayList<>();
        List<JsonNode> good = new ArrayList<>();
        for (int i = 0; i < items.size(); i++) {
            String problem = problem(items.get(i));
            if (problem == null && refuse.test(items.get(i))) {
                problem = "Refused by the test";
            }
            if (problem != null) {
                Map<String, Object> error = new LinkedHashMap<>();
                error.put("index", i);
                error.put("statusCode", 400);
                error.put("message", problem);
                errors.add(error);
            } else {
                good.add(items.get(i));
            }
        }
        accepted.addAll(good);
        int status = errors.isEmpty() ? 200 : good.isEmpty() ? 400 : 206;
        answer(request, status, Map.of("itemsReceived", items.size(), "itemsAccepted", good.size(), "errors", errors), Map.of());
    }

    private void answer(Request request, int status, Object json, Map<String, String> headers) throws IOException {
        answers.add(status);
        request.sendJson(status, json, headers);
    }

    private static String shortName(String name) {
        // Older SDKs write Microsoft.ApplicationInsights[.{iKey without dashes}].Request
        int dot = name.lastIndexOf('.');
        return name.startsWith("Microsoft.ApplicationInsights.") ? name.substring(dot + 1) : name;
    }

    /** What the service would refuse in one envelope, or null. */
    private String problem(JsonNode e) {
        if (!instrumentationKey.equals(e.path("iKey").asText())) {
            return "Invalid instrumentation key";
        }
        String name = shortName(e.path("name").asText());
        String baseType = BASE_TYPES.get(name);
        if (baseType == null) {
            return "Unknown envelope name '" + e.path("name").asText() + "'";
        }
        if (!baseType.equals(e.path("data").path("baseType").asText())) {
            return "Envelope " + name + " needs baseType " + baseType;
        }
        try {
            OffsetDateTime.parse(e.path("time").asText());
        } catch (DateTimeParseException ex) {
            return "Field 'time' is not an ISO-8601 date";
        }
        JsonNode base = e.path("data").path("baseData");
        if (!base.isObject()) {
            return "Field 'baseData' is required";
        }
        List<String> required = switch (name) {
            case "Request" -> List.of("id", "name", "duration", "responseCode", "success");
            case "RemoteDependency" -> List.of("id", "name", "duration", "resultCode", "success");
            case "Exception" -> List.of("exceptions");
            case "Metric" -> List.of("metrics");
            case "Message" -> List.of("message");
            default -> List.of("name");
        };
        for (String field : required) {
            if (base.path(field).isMissingNode() || base.path(field).isNull()
                    || (base.path(field).isTextual() && base.path(field).asText().isEmpty())) {
                return "Field '" + field + "' on type '" + baseType + "' is required but missing or empty";
            }
        }
        if (base.has("duration") && !DURATION.matcher(base.path("duration").asText()).matches()) {
            return "Field 'duration' on type '" + baseType + "' is not a valid TimeSpan";
        }
        if (base.has("success") && !base.path("success").isBoolean()) {
            return "Field 'success' must be a boolean";
        }
        if (name.equals("Metric")) {
            if (!base.path("metrics").isArray() || base.path("metrics").isEmpty()) {
                return "Field 'metrics' on type 'MetricData' must hold a data point";
            }
            for (JsonNode point : base.path("metrics")) {
                if (point.path("name").asText().isEmpty() || !point.path("value").isNumber()) {
                    return "Metric data points need 'name' and a numeric 'value'";
                }
            }
        }
        if (name.equals("Exception")) {
            for (JsonNode detail : base.path("exceptions")) {
                if (detail.path("typeName").asText().isEmpty() || detail.path("message").asText().isEmpty()) {
                    return "Exception details need 'typeName' and 'message'";
                }
            }
        }
        JsonNode properties = base.path("properties");
        if (!properties.isMissingNode() && !properties.isObject()) {
            return "Field 'properties' must be an object";
        }
        for (JsonNode value : properties) {
            if (!value.isTextual()) {
                return "Property values must be strings";
            }
        }
        return null;
    }
}
