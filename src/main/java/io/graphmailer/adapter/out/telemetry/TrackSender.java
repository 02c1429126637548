package io.graphmailer.adapter.out.telemetry;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.jboss.logging.Logger;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;
import java.util.zip.GZIPOutputStream;

/**
 * Posts envelopes to the ingestion endpoint's track API: newline-delimited JSON, gzip, at most {@value #MAX_BATCH}
 * envelopes a request. 429, 5xx and 408 (and the items a 206 names with those codes) are retried with backoff or
 * {@code Retry-After} until the attempt's deadline; everything else the endpoint refuses (400, a 206 item with 400) is
 * dropped and counted, never retried. It runs on the SDK's export thread, never on a send's: a slow or refusing
 * endpoint costs telemetry, not mail. Logs counts and status codes only, never an envelope, a key or a token.
 */
final class TrackSender {
    static final int MAX_BATCH = 512;
    private static final Set<Integer> RETRYABLE = Set.of(408, 429, 500, 502, 503, 504);
    private static final Logger LOG = Logger.getLogger(TrackSender.class);
    private static final ObjectMapper JSON = new ObjectMapper();

    private final URI trackUrl;
    private final Optional<Function<Boolean, String>> bearer;
    private final HttpClient http;
    private final Duration deadline;
    private final Duration backoff;
    private final AtomicLong accepted = new AtomicLong();
    private final AtomicLong dropped = new AtomicLong();
    private final AtomicLong retried = new AtomicLong();

    /**
     * @param bearer   a token for {@code https://monitor.azure.com//.default} (a fresh one when given true) when the
     *                 resource takes Entra tokens only
     * @param deadline how long one batch may be retried (below the SDK's export timeout)
     * @param backoff  the first wait after a retryable answer without {@code Retry-After}; doubled each attempt
     */
    TrackSender(URI trackUrl, Optional<Function<Boolean, String>> bearer, Duration deadline, Duration backoff) {
        this.trackUrl = trackUrl;
        this.bearer = bearer;
        this.deadline = deadline;
        this.backoff = backoff;
        this.http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).version(HttpClient.Version.HTTP_1_1).build();
    }

    long accepted() {
        return accepted.get();
    }

    long dropped() {
        return dropped.get();
    }

    long retried() {
        return retried.get();
    }

    /** Sends every envelope (in batches); true when none was dropped. */
    boolean send(List<ObjectNode> envelopes) {
        boolean all = true;
        for (int i = 0; i < envelopes.size(); i += MAX_BATCH) {
            all &= sendBatch(envelopes.subList(i, Math.min(envelopes.size(), i + MAX_BATCH)));
        }
        return all;
    }

    private boolean sendBatch(List<ObjectNode> batch) {
        Instant until = Instant.now().plus(deadline);
        List<ObjectNode> pending = batch;
        Duration wait = backoff;
        boolean tokenRefreshed = false;
        int droppedHere = 0;
        int lastStatus = 0;
        while (true) {
            HttpResponse<String> response;
            try {
                response = post(pending, tokenRefreshed);
            } catch (IOException e) {
                lastStatus = -1;
                response = null;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return drop(pending.size() + droppedHere, "interrupted", false);
            } catch (RuntimeException e) { // the token could not be had
                return drop(pending.size() + droppedHere, "no token for the ingestion endpoint (" + e.getClass().getSimpleName() + ")", true);
            }
            Duration retryAfter = null;
            if (response != null) {
                lastStatus = response.statusCode();
                if (lastStatus == 200) {
                    accepted.addAndGet(pending.size());
                    return finish(droppedHere);
                }
                if (lastStatus == 206) {
                    List<ObjectNode> again = new ArrayList<>();
                    int refused = 0;
                    JsonNode errors = parse(response.body()).path("errors");
                    java.util.Map<Integer, Integer> byIndex = new java.util.HashMap<>();
                    for (JsonNode error : errors) {
                        byIndex.put(error.path("index").asInt(-1), error.path("statusCode").asInt(400));
                    }
                    for (int i = 0; i < pending.size(); i++) {
                        Integer code = byIndex.get(i);
                        if (code == null) {
                            accepted.incrementAndGet();
                        } else if (RETRYABLE.contains(code)) {
                            again.add(pending.get(i));
                        } else {
                            refused++;
                        }
                    }
                    droppedHere += refused;
                    if (again.isEmpty()) {
                        return finish(droppedHere);
                    }
                    pending = again;
                } else if ((lastStatus == 401 || lastStatus == 403) && bearer.isPresent() && !tokenRefreshed) {
                    tokenRefreshed = true;
                    continue;
                } else if (!RETRYABLE.contains(lastStatus)) {
                    return drop(pending.size() + droppedHere, "the ingestion endpoint answered " + lastStatus, true);
                }
                retryAfter = retryAfter(response);
            }
            Duration pause = retryAfter != null ? retryAfter : wait;
            if (Instant.now().plus(pause).isAfter(until)) {
                return drop(pending.size() + droppedHere, "still refused after retries (last " + describe(lastStatus) + ")", true);
            }
            retried.addAndGet(pending.size());
            try {
                Thread.sleep(pause.toMillis());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return drop(pending.size() + droppedHere, "interrupted", false);
            }
            wait = wait.multipliedBy(2);
        }
    }

    private boolean finish(int droppedHere) {
        if (droppedHere > 0) {
            return drop(droppedHere, "the ingestion endpoint refused them (206)", true);
        }
        return true;
    }

    private boolean drop(int count, String why, boolean warn) {
        dropped.addAndGet(count);
        if (warn) {
            LOG.warnf("Application Insights export dropped %d telemetry item(s): %s; %d dropped since start", count, why, dropped.get());
        } else {
            LOG.debugf("Application Insights export dropped %d telemetry item(s): %s", count, why);
        }
        return false;
    }

    private static String describe(int status) {
        return status < 0 ? "no connection" : "status " + status;
    }

    private HttpResponse<String> post(List<ObjectNode> envelopes, boolean freshToken) throws IOException, InterruptedException {
        HttpRequest.Builder request = HttpRequest.newBuilder(trackUrl).timeout(Duration.ofSeconds(10))
                .header("Content-Type", "application/x-json-stream").header("Content-Encoding", "gzip")
                .POST(HttpRequest.BodyPublishers.ofByteArray(gzip(envelopes)));
        if (bearer.isPresent()) {
            request.header("Authorization", "Bearer " + bearer.get().apply(freshToken));
        }
        return http.send(request.build(), HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
    }

    static byte[] gzip(List<ObjectNode> envelopes) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (GZIPOutputStream out = new GZIPOutputStream(bytes)) {
            for (ObjectNode envelope : envelopes) {
                out.write(JSON.writeValueAsBytes(envelope));
                out.write('\n');
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bytes.toByteArray();
    }

    private static JsonNode parse(String body) {
        try {
            return JSON.readTree(body == null || body.isBlank() ? "{}" : body);
        } catch (IOException e) {
            return JSON.createObjectNode();
        }
    }

    private static Duration retryAfter(HttpResponse<?> response) {
        return response.headers().firstValue("Retry-After").map(v -> {
            try {
                return Duration.ofSeconds(Math.max(0, Long.parseLong(v.trim())));
            } catch (NumberFormatException e) {
                return null;
            }
        }).orElse(null);
    }
}
