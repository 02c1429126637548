package io.graphmailer.adapter.out.storage;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.graphmailer.application.port.out.EnvelopeWriter;

import java.io.IOException;

/** Rewrites an outbox envelope for its next attempt, pinning the idempotency key so it never changes. */
public final class JsonEnvelopeWriter implements EnvelopeWriter {
    private static final ObjectMapper MAPPER = new ObjectMapper();

    @Override
    public String nextAttempt(String original, String idempotencyKey, int attempt) {
        try {
            ObjectNode node = (ObjectNode) MAPPER.readTree(original);
            node.put("idempotencyKey", idempotencyKey);
            node.put("attempt", attempt);
            return node.toString();
        } catch (IOException | ClassCastException e) {
            throw new IllegalArgumentException("not an outbox envelope", e);
        }
    }
}
