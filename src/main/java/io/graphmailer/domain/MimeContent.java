package io.graphmailer.domain;

import java.util.List;

/**
 * Graph's second sendMail form: a complete MIME message. The inbound adapter parses it and
 * passes what it found here so the same rules apply as for the JSON form; the bytes are sent
 * on unchanged.
 */
public record MimeContent(byte[] mime, String subject, List<EmailAddress> recipients, int attachmentCount)
        implements MailContent {

    public MimeContent {
        recipients = List.copyOf(recipients);
    }

    @Override
    public int recipientCount() {
        return recipients.size();
    }
}
