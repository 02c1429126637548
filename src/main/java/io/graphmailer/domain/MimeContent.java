package io.graphmailer.domain;

import java.util.List;

/**
 * Graph's second sendMail form: a complete MIME message. The inbound adapter parses it and
 * passes what it found here so the same rules apply as for the JSON form; the bytes are sent
 * on unchanged. {@code senders}: the addresses of From, Sender, Resent-From and Resent-Sender.
 */
public record MimeContent(byte[] mime, String subject, List<EmailAddress> recipients, int attachmentCount,
                          List<SenderAddress> senders) implements MailContent {

    public MimeContent(byte[] mime, String subject, List<EmailAddress> recipients, int attachmentCount) {
        this(mime, subject, recipients, attachmentCount, List.of());
    }

    public MimeContent {
        recipients = List.copyOf(recipients);
        senders = senders == null ? List.of() : List.copyOf(senders);
    }

    @Override
    public int recipientCount() {
        return recipients.size();
    }

    @Override
    public List<SenderAddress> senderAddresses() {
        return senders;
    }
}
