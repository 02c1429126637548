package io.graphmailer.domain;

/**
 * A file attachment carried inline in the request. {@code contentId} is set for inline images
 * referenced from the HTML body as {@code cid:...}.
 */
public record Attachment(String name, String contentType, byte[] content, boolean inline, String contentId) {
    public int size() {
        return content.length;
    }
}
