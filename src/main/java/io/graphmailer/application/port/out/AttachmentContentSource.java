package io.graphmailer.application.port.out;

import io.graphmailer.domain.AttachmentReference;
import io.graphmailer.domain.MailTransportException;

import java.io.InputStream;
import java.util.OptionalLong;

/**
 * Where attachments by reference are read from (Azure Blob Storage in production). Content is streamed: a transport
 * reads it in ranges while sending and never needs the whole file in memory.
 */
public interface AttachmentContentSource {

    /**
     * The blob's size in bytes, or empty when no blob exists at the reference's location.
     *
     * @throws MailTransportException CONFIGURATION when graph-mailer may not read it, TRANSIENT when storage is unreachable
     */
    OptionalLong size(AttachmentReference reference);

    /**
     * The blob's content from the first byte, read lazily; the caller closes it. Fails when the blob has changed size
     * since {@link #size} (the limits were checked against that size).
     *
     * @throws MailTransportException as for {@link #size}, or REJECTED when the blob is gone
     */
    InputStream open(AttachmentReference reference);

    /** No blob storage configured: every reference is refused. */
    AttachmentContentSource NONE = new AttachmentContentSource() {
        @Override
        public OptionalLong size(AttachmentReference reference) {
            throw unavailable();
        }

        @Override
        public InputStream open(AttachmentReference reference) {
            throw unavailable();
        }

        private MailTransportException unavailable() {
            return new MailTransportException(MailTransportException.Kind.CONFIGURATION, "AttachmentsByReferenceDisabled",
                    "attachments by reference are not configured on this deployment");
        }
    };
}
