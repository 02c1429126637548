package io.graphmailer.adapter.out.storage;

import com.azure.storage.queue.QueueClient;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.graphmailer.application.port.out.MailQueue;

import java.time.Clock;
import java.time.Duration;

/**
 * The outbox queue and its side queues in Azure Storage. Messages are base64-encoded, as the
 * Functions host expects. Dead-letter and poison entries keep the original text intact beside the reason.
 */
public final class StorageMailQueue implements MailQueue {
    /** Storage queues keep a message invisible for at most 7 days. */
    private static final Duration MAX_VISIBILITY = Duration.ofDays(7);
    private static final ObjectMapper MAPPER = new ObjectMapper();

    private final QueueClient outbox;
    private final QueueClient deadLetter;
    private final QueueClient poison;
    private final Clock clock;

    public StorageMailQueue(QueueClient outbox, QueueClient deadLetter, QueueClient poison, Clock clock) {
        this.outbox = outbox;
        this.deadLetter = deadLetter;
        this.poison = poison;
        this.clock = clock;
    }

    /** Creates the three queues if missing (local runs and tests; Terraform creates them in Azure). */
    public void createIfMissing() {
        outbox.createIfNotExists();
        deadLetter.createIfNotExists();
        poison.createIfNotExists();
    }

    @Override
    public void enqueue(String message) {
        outbox.sendMessage(message);
    }

    @Override
    public void requeue(String message, Duration delay) {
        Duration visibility = delay.compareTo(MAX_VISIBILITY) > 0 ? MAX_VISIBILITY : delay;
        outbox.sendMessageWithResponse(message, visibility, null, null, null);
    }

    @Override
    public void deadLetter(String original, String code, String reason) {
        deadLetter.sendMessage(kept(original, code, reason, "dead-letter"));
    }

    @Override
    public void poison(String original, String code, String reason) {
        poison.sendMessage(kept(original, code, reason, "poison"));
    }

    private String kept(String original, String code, String reason, String where) {
        ObjectNode node = MAPPER.createObjectNode();
        node.put("keptBy", "graph-mailer");
        node.put("queue", where);
        node.put("code", code);
        node.put("reason", reason);
        node.put("at", clock.instant().toString());
        node.put("original", original);
        String text = node.toString();
        if (text.length() > 60_000) {
            // Room for the original first: a long reason is cut, never the message.
            node.put("reason", reason.substring(0, Math.min(reason.length(), 500)));
            text = node.toString();
        }
        return text;
    }
}
