package io.graphmailer.domain;

/**
 * Limits enforced before any outside call. Exchange allows 500 recipients per message by default
 * (admins may raise it to 1,000); Graph's sendMail takes about 4 MB per request, so inline
 * attachments stay under 3 MB each.
 */
public record MailLimits(int maxRecipients, int maxInlineAttachmentBytes) {
    public static final int EXCHANGE_MAX_RECIPIENTS = 1000;
    public static final MailLimits DEFAULT = new MailLimits(500, 3 * 1024 * 1024);

    public MailLimits {
        if (maxRecipients < 1 || maxRecipients > EXCHANGE_MAX_RECIPIENTS) {
            throw new IllegalArgumentException("maxRecipients must be between 1 and " + EXCHANGE_MAX_RECIPIENTS);
        }
        if (maxInlineAttachmentBytes < 1) {
            throw new IllegalArgumentException("maxInlineAttachmentBytes must be positive");
        }
    }
}
