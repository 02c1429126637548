package io.graphmailer.support;

import com.azure.storage.queue.QueueClient;
import com.azure.storage.queue.models.QueueMessageItem;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.UUID;

/**
 * One delivery of one queue message to the app's queue handler, as the Functions host makes it (for tests that look at a
 * message between deliveries, where {@link FunctionsHostDriver#drain} would wait for a deferred one).
 */
public final class HostDelivery {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newHttpClient();

    private HostDelivery() {
    }

    /**
     * Receives the next message, waiting up to {@code within} for one to become visible, hands it to {@code handler} and
     * deletes it after a 2xx answer (anything else fails the test). Returns the message delivered, or null when none came.
     */
    public static QueueMessageItem deliverOnce(QueueClient queue, URI handler, Duration within) throws Exception {
        Instant deadline = Instant.now().plus(within);
        while (Instant.now().isBefore(deadline)) {
            for (QueueMessageItem m : queue.receiveMessages(1, Duration.ofSeconds(60), null, null)) {
                ObjectNode body = JSON.createObjectNode();
                body.putObject("Data").put("message", JSON.writeValueAsString(m.getBody().toString()));
                ObjectNode metadata = body.putObject("Metadata");
                metadata.put("DequeueCount", Long.toString(m.getDequeueCount()));
                metadata.put("Id", JSON.writeValueAsString(m.getMessageId()));
                metadata.putObject("sys").put("MethodName", "OutboxQueue").put("UtcNow", Instant.now().toString());
                HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(handler).header("Content-Type", "application/json")
                        .header("X-Azure-Functions-InvocationId", UUID.randomUUID().toString())
                        .POST(HttpRequest.BodyPublishers.ofString(body.toString())).build(), HttpResponse.BodyHandlers.ofString());
                if (r.statusCode() / 100 != 2) {
                    throw new AssertionError("the queue handler answered " + r.statusCode() + ": " + r.body());
                }
                queue.deleteMessage(m.getMessageId(), m.getPopReceipt());
                return m;
            }
            Thread.sleep(100);
        }
        return null;
    }
}
