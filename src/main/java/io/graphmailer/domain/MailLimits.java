package io.graphmailer.domain;

/**
 * Limits enforced before any outside call.
 *
 * <ul>
 * <li>{@code maxRecipients}: Exchange allows 500 recipients per message by default (admins may raise it to 1,000).</li>
 * <li>{@code maxInlineAttachmentBytes}: bytes carried in the request ({@code contentBytes}); Graph's sendMail takes
 *     about 4 MB per request, so each stays under 3 MB. Larger files go by reference.</li>
 * <li>{@code maxAttachmentBytes}: one attachment; Graph's upload sessions take files up to 150 MB.</li>
 * <li>{@code maxMessageBytes}: the whole message as Exchange counts it, after MIME encoding, which makes attachments
 *     about a third larger; Exchange's default is 35 MB, configurable up to 150 MB.</li>
 * <li>{@code maxAttachments}: attachments per message.</li>
 * </ul>
 */
public record MailLimits(int maxRecipients, int maxInlineAttachmentBytes, long maxAttachmentBytes, long maxMessageBytes,
                         int maxAttachments) {
    public static final int EXCHANGE_MAX_RECIPIENTS = 1000;
    public static final long MB = 1024L * 1024L;
    /** Graph's upload-session ceiling per attachment and Exchange's ceiling per message. */
    public static final long EXCHANGE_MAX_MESSAGE_BYTES = 150 * MB;
    public static final long EXCHANGE_DEFAULT_MESSAGE_BYTES = 35 * MB;
    /** Graph's limit for an attachment in a sendMail body or a single attachment POST. */
    public static final int GRAPH_INLINE_ATTACHMENT_BYTES = 3 * 1024 * 1024;
    public static final MailLimits DEFAULT = new MailLimits(500, GRAPH_INLINE_ATTACHMENT_BYTES, EXCHANGE_MAX_MESSAGE_BYTES,
            EXCHANGE_DEFAULT_MESSAGE_BYTES, 100);

    public MailLimits {
        if (maxRecipients < 1 || maxRecipients > EXCHANGE_MAX_RECIPIENTS) {
            throw new IllegalArgumentException("maxRecipients must be between 1 and " + EXCHANGE_MAX_RECIPIENTS);
        }
        if (maxInlineAttachmentBytes < 1) {
            throw new IllegalArgumentException("maxInlineAttachmentBytes must be positive");
        }
        if (maxAttachmentBytes < 1 || maxAttachmentBytes > EXCHANGE_MAX_MESSAGE_BYTES) {
            throw new IllegalArgumentException("maxAttachmentBytes must be between 1 and " + EXCHANGE_MAX_MESSAGE_BYTES);
        }
        if (maxMessageBytes < 1 || maxMessageBytes > EXCHANGE_MAX_MESSAGE_BYTES) {
            throw new IllegalArgumentException("maxMessageBytes must be between 1 and " + EXCHANGE_MAX_MESSAGE_BYTES);
        }
        if (maxAttachments < 0) {
            throw new IllegalArgumentException("maxAttachments must not be negative");
        }
    }

    public MailLimits(int maxRecipients, int maxInlineAttachmentBytes) {
        this(maxRecipients, maxInlineAttachmentBytes, DEFAULT.maxAttachmentBytes, DEFAULT.maxMessageBytes, DEFAULT.maxAttachments);
    }

    /**
     * Bytes an attachment of {@code size} bytes takes in the MIME message: base64 turns every 57 bytes into a line of
     * 76 characters plus CRLF (a third larger and then some), plus about 300 bytes of part headers.
     */
    public static long encodedSize(long size) {
        return (size + 56) / 57 * 78 + 300;
    }
}
