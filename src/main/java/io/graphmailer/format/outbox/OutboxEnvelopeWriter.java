package io.graphmailer.format.outbox;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.graphmailer.application.port.out.EnvelopeWriter;

import java.io.IOException;

/**
 * Rewrites an outbox envelope for its next attempt. graph-mailer's own bookkeeping goes under
 * {@value #BOOKKEEPING} (attempt number, whether the idempotency key was derived), so the producer's
 * envelope can be restored exactly for the dead-letter and poison queues.
 */
public final class OutboxEnvelopeWriter implements EnvelopeWriter {
    static final String BOOKKEEPING = "graphMailer";
    private static final ObjectMapper MAPPER = new ObjectMapper();

    @Override
    public String nextAttempt(String original, String idempotencyKey, int attempt) {
        try {
            ObjectNode node = (ObjectNode) MAPPER.readTree(original);
            boolean derived = !node.hasNonNull("idempotencyKey");
            // The key is pinned so the next attempt is recognised in the ledger whatever else changes.
            node.put("idempotencyKey", idempotencyKey);
            ObjectNode bookkeeping = node.putObject(BOOKKEEPING);
            bookkeeping.put("attempt", attempt);
            bookkeeping.put("derivedKey", derived);
            return node.toString();
        } catch (IOException | ClassCastException e) {
            throw new IllegalArgumentException("not an outbox envelope", e);
        }
    }

    /** The producer's envelope without graph-mailer's bookkeeping. */
    static String producersEnvelope(ObjectNode root) {
        if (!root.has(BOOKKEEPING)) {
            return null;
        }
        ObjectNode copy = root.deepCopy();
        ObjectNode bookkeeping = (ObjectNode) copy.remove(BOOKKEEPING);
        if (bookkeeping != null && bookkeeping.path("derivedKey").asBoolean(false)) {
            copy.remove("idempotencyKey");
        }
        return copy.toString();
    }
}
