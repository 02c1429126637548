package io.graphmailer.domain;

import java.util.Objects;

/**
 * A file attachment: either its bytes, carried in the request ({@code contentBytes}), or a {@link AttachmentReference}
 * to a blob whose content is read (streamed) only when the message is sent. Exactly one of {@code content} and
 * {@code reference} is set. {@code contentId} is set for inline images referenced from the HTML body as {@code cid:...}.
 */
public record Attachment(String name, String contentType, byte[] content, AttachmentReference reference, boolean inline,
                         String contentId) {

    public Attachment {
        if ((content == null) == (reference == null)) {
            throw new IllegalArgumentException("an attachment has either its bytes or a reference, not both nor neither");
        }
    }

    /** An attachment carried inline in the request. */
    public Attachment(String name, String contentType, byte[] content, boolean inline, String contentId) {
        this(name, contentType, Objects.requireNonNull(content, "content"), null, inline, contentId);
    }

    /** An attachment by reference: its content stays in the blob until the message is sent. */
    public static Attachment byReference(String name, String contentType, AttachmentReference reference, boolean inline,
                                         String contentId) {
        return new Attachment(name, contentType, null, Objects.requireNonNull(reference, "reference"), inline, contentId);
    }

    public boolean isReference() {
        return reference != null;
    }

    /** Bytes of the file; for a reference its size once known, else {@link AttachmentReference#UNKNOWN_SIZE}. */
    public long size() {
        return content != null ? content.length : reference.size();
    }

    /** The same attachment with the reference's size as read from the blob. */
    public Attachment withReference(AttachmentReference resolved) {
        return byReference(name, contentType, resolved, inline, contentId);
    }
}
