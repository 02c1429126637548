package io.graphmailer.support;

import com.azure.storage.queue.QueueClient;
import com.azure.storage.queue.QueueClientBuilder;
import com.azure.storage.queue.QueueMessageEncoding;
import com.azure.storage.queue.models.QueueMessageItem;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Drives the custom handler the way the Azure Functions host does for a queue trigger: receive a
 * batch, invoke {@code POST /{function}} for each message in parallel with the host's payload
 * (values JSON-encoded once more, as the host's source does), delete on 2xx, make the message
 * visible again on failure, and move it to {@code <queue>-poison} after maxDequeueCount.
 */
public final class FunctionsHostDriver implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration MIN_POLLING_INTERVAL = Duration.ofMillis(100);

    private final QueueClient queue;
    private final QueueClient poison;
    private final URI handler;
    private final int batchSize;
    private final int newBatchThreshold;
    private final int maxDequeueCount;
    private final Duration retryVisibility;
    private final Duration receiveVisibility;
    private final ExecutorService workers;
    private final HttpClient http = HttpClient.newHttpClient();
    private final AtomicInteger invocations = new AtomicInteger();
    private final AtomicInteger failures = new AtomicInteger();
    /** The host's polling: 100 ms after a receive that found messages, doubling after each empty one up to this. */
    private Duration maxPollingInterval = MIN_POLLING_INTERVAL;

    public FunctionsHostDriver(String connectionString, String queueName, URI handler, int batchSize, int maxDequeueCount,
                               Duration retryVisibility) {
        this(connectionString, queueName, handler, batchSize, 0, maxDequeueCount, retryVisibility);
    }

    /** {@code newBatchThreshold}: fetch the next batch once this few messages are still running (the host's setting). */
    public FunctionsHostDriver(String connectionString, String queueName, URI handler, int batchSize, int newBatchThreshold,
                               int maxDequeueCount, Duration retryVisibility) {
        this(connectionString, queueName, handler, batchSize, newBatchThreshold, maxDequeueCount, retryVisibility, Duration.ofSeconds(60));
    }

    /** {@code receiveVisibility}: how long a received message stays invisible (the host's lock); when it runs out it is delivered again. */
    public FunctionsHostDriver(String connectionString, String queueName, URI handler, int batchSize, int newBatchThreshold,
                               int maxDequeueCount, Duration retryVisibility, Duration receiveVisibility) {
        this.receiveVisibility = receiveVisibility;
        this.newBatchThreshold = newBatchThreshold;
        this.queue = client(connectionString, queueName);
        this.poison = client(connectionString, queueName + "-poison");
        this.handler = handler;
        this.batchSize = batchSize;
        this.maxDequeueCount = maxDequeueCount;
        this.retryVisibility = retryVisibility;
        this.workers = Executors.newFixedThreadPool(batchSize + newBatchThreshold);
        queue.createIfNotExists();
        poison.createIfNotExists();
    }

    /** A driver with the queue settings of the function app's own host.json (batchSize, newBatchThreshold, maxDequeueCount). */
    public static FunctionsHostDriver fromHostJson(String connectionString, String queueName, URI handler) {
        try {
            var queues = JSON.readTree(java.nio.file.Path.of("functions", "host.json").toFile()).path("extensions").path("queues");
            return new FunctionsHostDriver(connectionString, queueName, handler, queues.path("batchSize").asInt(16),
                    queues.path("newBatchThreshold").asInt(0), queues.path("maxDequeueCount").asInt(5), Duration.ofMillis(200));
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /** host.json's {@code extensions.queues.maxPollingInterval} ("hh:mm:ss"), or the host's default of a minute. */
    public static Duration hostJsonMaxPollingInterval() {
        try {
            String text = JSON.readTree(java.nio.file.Path.of("functions", "host.json").toFile())
                    .path("extensions").path("queues").path("maxPollingInterval").asText("00:01:00");
            String[] hms = text.split(":");
            return Duration.ofHours(Long.parseLong(hms[0])).plusMinutes(Long.parseLong(hms[1]))
                    .plusMillis(Math.round(Double.parseDouble(hms[2]) * 1000));
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /** The outbox queue and its dead-letter and poison queues, created and emptied. */
    public record Queues(QueueClient outbox, QueueClient deadLetter, QueueClient poison) {
        public static Queues empty(String connectionString, String queueName) {
            Queues q = new Queues(client(connectionString, queueName), client(connectionString, queueName + "-deadletter"),
                    client(connectionString, queueName + "-poison"));
            for (QueueClient c : List.of(q.outbox, q.deadLetter, q.poison)) {
                c.createIfNotExists();
                c.clearMessages();
            }
            return q;
        }
    }

    public static QueueClient client(String connectionString, String name) {
        return new QueueClientBuilder().connectionString(connectionString).queueName(name)
                .messageEncoding(QueueMessageEncoding.BASE64).buildClient();
    }

    /**
     * Polls as the host's queue listener does (host.json {@code maxPollingInterval}): each empty receive doubles the wait
     * before the next, randomised a little, up to {@code max}; a receive that finds messages resets it to 100 ms. The
     * default, 100 ms flat, polls an idle queue 20 times as often as the deployed host with its 2 s.
     */
    public FunctionsHostDriver pollingUpTo(Duration max) {
        this.maxPollingInterval = max.compareTo(MIN_POLLING_INTERVAL) < 0 ? MIN_POLLING_INTERVAL : max;
        return this;
    }

    public int invocations() {
        return invocations.get();
    }

    public int failedInvocations() {
        return failures.get();
    }

    /** Processes until the queue is empty (invisible messages included) or {@code limit} passes. */
    public void drain(Duration limit) throws Exception {
        Instant deadline = Instant.now().plus(limit);
        java.util.concurrent.atomic.AtomicInteger running = new java.util.concurrent.atomic.AtomicInteger();
        java.util.concurrent.ConcurrentLinkedQueue<Throwable> errors = new java.util.concurrent.ConcurrentLinkedQueue<>();
        long pollMs = MIN_POLLING_INTERVAL.toMillis();
        while (Instant.now().isBefore(deadline)) {
            if (!errors.isEmpty()) {
                throw new AssertionError("an invocation failed in the driver", errors.peek());
            }
            if (running.get() > newBatchThreshold) {
                Thread.sleep(2);
                continue;
            }
            List<QueueMessageItem> batch = new ArrayList<>();
            // Lock long enough for the handler to finish, as the host does.
            queue.receiveMessages(batchSize, receiveVisibility, null, null).forEach(batch::add);
            if (batch.isEmpty()) {
                if (running.get() == 0 && queue.getProperties().getApproximateMessagesCount() == 0) {
                    return;
                }
                // Delayed (re-enqueued) messages are not visible yet.
                Thread.sleep(Math.max(1, (long) (pollMs * java.util.concurrent.ThreadLocalRandom.current().nextDouble(0.8, 1.2))));
                pollMs = Math.min(pollMs * 2, maxPollingInterval.toMillis());
                continue;
            }
            pollMs = MIN_POLLING_INTERVAL.toMillis();
            for (QueueMessageItem message : batch) {
                running.incrementAndGet();
                workers.submit(() -> {
                    try {
                        handle(message);
                    } catch (Throwable t) {
                        errors.add(t);
                    } finally {
                        running.decrementAndGet();
                    }
                });
            }
        }
        throw new AssertionError("the queue was not drained within " + limit.toSeconds() + " s");
    }

    private void handle(QueueMessageItem message) throws Exception {
        String text = message.getBody().toString();
        int status = invoke(text, message);
        invocations.incrementAndGet();
        if (status / 100 == 2) {
            queue.deleteMessage(message.getMessageId(), message.getPopReceipt());
            return;
        }
        failures.incrementAndGet();
        if (message.getDequeueCount() >= maxDequeueCount) {
            poison.sendMessage(text);
            queue.deleteMessage(message.getMessageId(), message.getPopReceipt());
        } else {
            queue.updateMessage(message.getMessageId(), message.getPopReceipt(), null, retryVisibility);
        }
    }

    private int invoke(String text, QueueMessageItem message) throws Exception {
        ObjectNode body = JSON.createObjectNode();
        body.putObject("Data").put("message", JSON.writeValueAsString(text));
        ObjectNode metadata = body.putObject("Metadata");
        metadata.put("DequeueCount", Long.toString(message.getDequeueCount()));
        metadata.put("Id", JSON.writeValueAsString(message.getMessageId()));
        metadata.put("PopReceipt", JSON.writeValueAsString(message.getPopReceipt()));
        metadata.put("InsertionTime", String.valueOf(message.getInsertionTime()));
        metadata.put("ExpirationTime", String.valueOf(message.getExpirationTime()));
        metadata.put("NextVisibleTime", String.valueOf(message.getTimeNextVisible()));
        ObjectNode sys = metadata.putObject("sys");
        sys.put("MethodName", "OutboxQueue");
        sys.put("UtcNow", Instant.now().toString());
        sys.put("RandGuid", UUID.randomUUID().toString());
        HttpRequest request = HttpRequest.newBuilder(handler)
                .header("Content-Type", "application/json")
                .header("X-Azure-Functions-InvocationId", UUID.randomUUID().toString())
                .header("User-Agent", "Azure-Functions-Host/4 (graph-mailer test driver)")
                .POST(HttpRequest.BodyPublishers.ofString(body.toString()))
                .build();
        HttpResponse<String> response = http.send(request, HttpResponse.BodyHandlers.ofString());
        String contentType = response.headers().firstValue("Content-Type").orElse("");
        if (!contentType.startsWith("application/json")) {
            throw new AssertionError("the host needs JSON replies; got " + contentType + ": " + response.body());
        }
        return response.statusCode();
    }

    @Override
    public void close() {
        workers.shutdownNow();
    }
}
