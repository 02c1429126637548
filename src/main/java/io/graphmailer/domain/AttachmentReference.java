package io.graphmailer.domain;

import java.net.URI;

/**
 * Where an attachment's content is kept instead of in the request: a blob URL of an allowed storage container
 * ({@link BlobAllowlist}). The size is unknown when the request is read and is filled in from the blob's properties
 * before anything is sent, so the limits apply to it before any call to the mail service.
 */
public record AttachmentReference(URI location, long size) {
    public static final long UNKNOWN_SIZE = -1;

    public AttachmentReference {
        if (location == null) {
            throw new IllegalArgumentException("location is required");
        }
        if (size < UNKNOWN_SIZE) {
            throw new IllegalArgumentException("size must be known (>= 0) or UNKNOWN_SIZE");
        }
    }

    public static AttachmentReference unresolved(URI location) {
        return new AttachmentReference(location, UNKNOWN_SIZE);
    }

    public boolean sizeKnown() {
        return size >= 0;
    }

    public AttachmentReference withSize(long bytes) {
        return new AttachmentReference(location, bytes);
    }
}
