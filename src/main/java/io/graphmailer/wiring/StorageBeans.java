package io.graphmailer.wiring;

import io.graphmailer.adapter.out.storage.BlobAttachmentSource;
import io.graphmailer.application.port.out.AttachmentContentSource;
import io.graphmailer.domain.BlobAllowlist;
import io.graphmailer.format.graph.SendMailRequestParser;
import io.graphmailer.format.outbox.OutboxEnvelope;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Instance;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;

/**
 * What storage needs beside its self-configured beans (the outbox queue, the send ledger, the envelope writer): the
 * choice of attachment source and the outbox envelope format, which knows no CDI.
 */
@ApplicationScoped
public class StorageBeans {
    /** Attachments by reference come from blob storage only if a container is allowed; otherwise nothing is built. */
    @Produces
    @Singleton
    AttachmentContentSource attachmentContentSource(BlobAllowlist allowlist, Instance<BlobAttachmentSource> blobs) {
        return allowlist.isEmpty() ? AttachmentContentSource.NONE : blobs.get();
    }

    @Produces
    @Singleton
    OutboxEnvelope outboxEnvelope(SendMailRequestParser sendMailParser) {
        return new OutboxEnvelope(sendMailParser);
    }
}
