package io.graphmailer.wiring;

import io.graphmailer.format.graph.SendMailRequestParser;
import io.graphmailer.format.outbox.OutboxEnvelope;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;

/** The outbox envelope format, which knows no CDI. */
@ApplicationScoped
public class StorageBeans {
    @Produces
    @Singleton
    OutboxEnvelope outboxEnvelope(SendMailRequestParser sendMailParser) {
        return new OutboxEnvelope(sendMailParser);
    }
}
