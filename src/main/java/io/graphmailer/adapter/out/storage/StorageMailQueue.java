package io.graphmailer.adapter.out.storage;

import com.azure.storage.queue.QueueClient;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.graphmailer.adapter.out.azure.AzureClients;
import io.graphmailer.adapter.out.azure.OnFirstUse;
import io.graphmailer.application.port.out.MailQueue;
import io.graphmailer.config.GraphMailerConfig;
import jakarta.inject.Inject;
import jakarta.inject.Singleton;

import java.time.Clock;
import java.time.Duration;
import java.util.function.Supplier;

/**
 * The outbox queue and its side queues in Azure Storage (names from {@code graph-mailer.queue}). Messages are
 * base64-encoded, as the Functions host expects. Dead-letter and poison entries keep the original text intact beside the
 * reason. Nothing is built or called until the first message: then the three clients are built and the queues created if
 * missing (local runs and tests; Terraform creates them in Azure), once.
 */
@Singleton
public final class StorageMailQueue implements MailQueue {
    /** Storage queues keep a message invisible for at most 7 days. */
    private static final Duration MAX_VISIBILITY = Duration.ofDays(7);
    private static final ObjectMapper MAPPER = new ObjectMapper();

    private final OnFirstUse<Queues> queues;
    private final Clock clock;

    private record Queues(QueueClient outbox, QueueClient deadLetter, QueueClient poison) {
        Queues created() {
            outbox.createIfNotExists();
            deadLetter.createIfNotExists();
            poison.createIfNotExists();
            return this;
        }
    }

    @Inject
    StorageMailQueue(GraphMailerConfig config, AzureClients clients) {
        this(() -> new Queues(clients.queue(config.queue().name()), clients.queue(deadLetterName(config.queue())),
                clients.queue(poisonName(config.queue()))), Clock.systemUTC());
    }

    /** Tests: three queue clients, created on first use like the bean's. */
    public StorageMailQueue(QueueClient outbox, QueueClient deadLetter, QueueClient poison, Clock clock) {
        this(() -> new Queues(outbox, deadLetter, poison), clock);
    }

    private StorageMailQueue(Supplier<Queues> clients, Clock clock) {
        this.queues = new OnFirstUse<>(() -> clients.get().created());
        this.clock = clock;
    }

    static String deadLetterName(GraphMailerConfig.Queue queue) {
        return queue.deadLetterName().orElse(queue.name() + "-deadletter");
    }

    static String poisonName(GraphMailerConfig.Queue queue) {
        return queue.poisonName().orElse(queue.name() + "-poison");
    }

    /** A failed creation (storage unreachable) is tried again with the next message. */
    private Queues queues() {
        return queues.get();
    }

    @Override
    public void enqueue(String message) {
        queues().outbox().sendMessage(message);
    }

    @Override
    public void requeue(String message, Duration delay) {
        Duration visibility = delay.compareTo(MAX_VISIBILITY) > 0 ? MAX_VISIBILITY : delay;
        queues().outbox().sendMessageWithResponse(message, visibility, null, null, null);
    }

    @Override
    public void deadLetter(String original, String code, String reason) {
        queues().deadLetter().sendMessage(kept(original, code, reason, "dead-letter"));
    }

    @Override
    public void poison(String original, String code, String reason) {
        queues().poison().sendMessage(kept(original, code, reason, "poison"));
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
