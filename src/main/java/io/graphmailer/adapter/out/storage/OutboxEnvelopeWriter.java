package io.graphmailer.adapter.out.storage;

import io.graphmailer.application.port.out.EnvelopeWriter;
import io.graphmailer.format.outbox.OutboxEnvelope;
import jakarta.inject.Singleton;

/** The next attempt of a message on the outbox queue ({@link StorageMailQueue}), in the outbox envelope format. */
@Singleton
class OutboxEnvelopeWriter implements EnvelopeWriter {
    @Override
    public String nextAttempt(String original, String idempotencyKey, int attempt) {
        return OutboxEnvelope.nextAttempt(original, idempotencyKey, attempt);
    }

    @Override
    public String waitingFor(String original, String idempotencyKey, int attempt, String limit) {
        return OutboxEnvelope.nextAttempt(original, idempotencyKey, attempt, limit);
    }

    @Override
    public String waitingForSignIn(String original, String idempotencyKey, int attempt, java.time.Instant since) {
        return OutboxEnvelope.nextAttempt(original, idempotencyKey, attempt, since);
    }
}
