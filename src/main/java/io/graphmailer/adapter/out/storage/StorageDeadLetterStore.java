package io.graphmailer.adapter.out.storage;

import com.azure.storage.queue.QueueClient;
import com.azure.storage.queue.models.QueueMessageItem;
import com.azure.storage.queue.models.QueueStorageException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.graphmailer.adapter.out.azure.AzureClients;
import io.graphmailer.adapter.out.azure.OnFirstUse;
import io.graphmailer.application.port.out.DeadLetterStore;
import io.graphmailer.config.GraphMailerConfig;
import io.graphmailer.domain.TrackingId;
import io.graphmailer.domain.deadletter.DeadLetterEntry;
import io.graphmailer.domain.deadletter.DeadLetterEntry.Kept;
import io.graphmailer.format.outbox.OutboxEnvelope;
import jakarta.inject.Inject;
import jakarta.inject.Singleton;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * The dead-letter and poison queues of {@code graph-mailer.queue} in Azure Storage. A claim is a receive with a
 * visibility timeout: the queue hands each visible message to one receiver and gives it a pop receipt, which a later
 * receive (after the timeout) replaces; a delete or update with an old receipt fails. Entries graph-mailer kept carry
 * its JSON wrapper (code, reason, time, original); entries the Functions host moved to the poison queue are the queue
 * message as it was (with graph-mailer's bookkeeping, which is removed to restore the producer's envelope).
 */
@Singleton
public final class StorageDeadLetterStore implements DeadLetterStore {
    /** A receive returns at most 32 messages. */
    private static final int BATCH = 32;
    private static final ObjectMapper JSON = new ObjectMapper();

    private record Queues(QueueClient deadLetter, QueueClient poison) {
        Queues created() {
            deadLetter.createIfNotExists();
            poison.createIfNotExists();
            return this;
        }

        QueueClient of(Kept kept) {
            return kept == Kept.DEAD_LETTER ? deadLetter : poison;
        }
    }

    private final OnFirstUse<Queues> queues;

    @Inject
    StorageDeadLetterStore(GraphMailerConfig config, AzureClients clients) {
        this(() -> new Queues(clients.queue(StorageMailQueue.deadLetterName(config.queue())),
                clients.queue(StorageMailQueue.poisonName(config.queue()))));
    }

    /** Tests: the two queue clients, created on first use like the bean's. */
    public StorageDeadLetterStore(QueueClient deadLetter, QueueClient poison) {
        this(() -> new Queues(deadLetter, poison));
    }

    private StorageDeadLetterStore(Supplier<Queues> clients) {
        this.queues = new OnFirstUse<>(() -> clients.get().created());
    }

    /** A failed creation (storage unreachable) is tried again with the next message. */
    private Queues queues() {
        return queues.get();
    }

    @Override
    public List<Claim> claim(int max, Duration lease) {
        List<Claim> claims = new ArrayList<>();
        for (Kept kept : Kept.values()) {
            QueueClient q = queues().of(kept);
            while (claims.size() < max) {
                int before = claims.size();
                for (QueueMessageItem m : q.receiveMessages(Math.min(BATCH, max - claims.size()), lease, null, null)) {
                    claims.add(new Claim(entry(kept, m), m.getPopReceipt()));
                }
                if (claims.size() == before) {
                    break;
                }
            }
        }
        return claims;
    }

    @Override
    public boolean remove(Claim claim) {
        try {
            queues().of(claim.entry().queue()).deleteMessage(claim.entry().id(), claim.receipt());
            return true;
        } catch (QueueStorageException e) {
            if (e.getStatusCode() == 404 || e.getStatusCode() == 400) {
                return false; // the receipt is no longer the latest, or the message is gone
            }
            throw e;
        }
    }

    @Override
    public void release(Claim claim) {
        try {
            queues().of(claim.entry().queue()).updateMessage(claim.entry().id(), claim.receipt(), null, Duration.ZERO);
        } catch (QueueStorageException e) {
            // A stale claim: someone else holds the entry now, or it is gone. Nothing to give back.
        }
    }

    @Override
    public void restore(DeadLetterEntry entry) {
        queues().of(entry.queue()).sendMessage(entry.raw());
    }

    static DeadLetterEntry entry(Kept kept, QueueMessageItem m) {
        String raw = m.getBody().toString();
        Instant inserted = m.getInsertionTime() != null ? m.getInsertionTime().toInstant() : Instant.EPOCH;
        String code;
        String reason;
        Instant at = inserted;
        String original;
        JsonNode node = parse(raw);
        if (node != null && "graph-mailer".equals(node.path("keptBy").asText()) && node.path("original").isTextual()) {
            code = node.path("code").asText("");
            reason = node.path("reason").asText("");
            at = parseInstant(node.path("at").asText(null)).orElse(inserted);
            original = node.path("original").asText();
        } else {
            // Not written by graph-mailer: the Functions host moved the message after its maxDequeueCount failed deliveries.
            code = kept == Kept.POISON ? "MaxDequeueCount" : "Unrecognised";
            reason = kept == Kept.POISON
                    ? "moved to the poison queue by the Functions host after its maxDequeueCount failed deliveries (no reason kept)"
                    : "a message graph-mailer did not write";
            original = OutboxEnvelope.producersEnvelopeOf(raw);
        }
        Optional<OutboxEnvelope.Identity> identity = OutboxEnvelope.identify(original);
        String mailbox = identity.map(OutboxEnvelope.Identity::mailbox).orElse(null);
        String key = identity.map(OutboxEnvelope.Identity::idempotencyKey).orElse(null);
        return new DeadLetterEntry(m.getMessageId(), kept, code, reason, at, original, raw, mailbox, key,
                key == null ? null : TrackingId.fromIdempotencyKey(key), m.getDequeueCount());
    }

    private static JsonNode parse(String raw) {
        try {
            JsonNode n = JSON.readTree(raw);
            return n != null && n.isObject() ? n : null;
        } catch (java.io.IOException e) {
            return null;
        }
    }

    private static Optional<Instant> parseInstant(String text) {
        try {
            return Optional.ofNullable(text).map(Instant::parse);
        } catch (java.time.format.DateTimeParseException e) {
            return Optional.empty();
        }
    }
}
