package io.graphmailer.domain;

import java.util.ArrayList;
import java.util.List;

/**
 * A message in Graph's JSON shape, already parsed; validated by {@link SendMailCommand}.
 * {@code textAlternative}: an optional plain-text version of an HTML body (multipart/alternative),
 * which Graph's JSON cannot carry; null when there is none. {@code sender}: Graph's {@code sender}, the mailbox that
 * actually sends when {@code from} names another (send on behalf); null when not given.
 */
public record EmailMessage(
        String subject,
        BodyType bodyType,
        String bodyContent,
        List<EmailAddress> to,
        List<EmailAddress> cc,
        List<EmailAddress> bcc,
        List<EmailAddress> replyTo,
        EmailAddress from,
        Importance importance,
        List<Header> headers,
        List<Attachment> attachments,
        List<String> categories,
        boolean deliveryReceiptRequested,
        boolean readReceiptRequested,
        String textAlternative,
        EmailAddress sender) implements MailContent {

    public EmailMessage(String subject, BodyType bodyType, String bodyContent, List<EmailAddress> to, List<EmailAddress> cc,
                        List<EmailAddress> bcc, List<EmailAddress> replyTo, EmailAddress from, Importance importance,
                        List<Header> headers, List<Attachment> attachments, List<String> categories,
                        boolean deliveryReceiptRequested, boolean readReceiptRequested) {
        this(subject, bodyType, bodyContent, to, cc, bcc, replyTo, from, importance, headers, attachments, categories,
                deliveryReceiptRequested, readReceiptRequested, null);
    }

    public EmailMessage(String subject, BodyType bodyType, String bodyContent, List<EmailAddress> to, List<EmailAddress> cc,
                        List<EmailAddress> bcc, List<EmailAddress> replyTo, EmailAddress from, Importance importance,
                        List<Header> headers, List<Attachment> attachments, List<String> categories,
                        boolean deliveryReceiptRequested, boolean readReceiptRequested, String textAlternative) {
        this(subject, bodyType, bodyContent, to, cc, bcc, replyTo, from, importance, headers, attachments, categories,
                deliveryReceiptRequested, readReceiptRequested, textAlternative, null);
    }

    public EmailMessage {
        to = List.copyOf(to);
        cc = List.copyOf(cc);
        bcc = List.copyOf(bcc);
        replyTo = List.copyOf(replyTo);
        headers = List.copyOf(headers);
        attachments = List.copyOf(attachments);
        categories = List.copyOf(categories);
        importance = importance == null ? Importance.NORMAL : importance;
        bodyType = bodyType == null ? BodyType.TEXT : bodyType;
        bodyContent = bodyContent == null ? "" : bodyContent;
    }

    /** The same message with other attachments (e.g. references whose sizes are now known). */
    public EmailMessage withAttachments(List<Attachment> replaced) {
        return new EmailMessage(subject, bodyType, bodyContent, to, cc, bcc, replyTo, from, importance, headers, replaced,
                categories, deliveryReceiptRequested, readReceiptRequested, textAlternative, sender);
    }

    /** True when an attachment is a reference whose size has not been read yet. */
    public boolean hasUnresolvedReferences() {
        return attachments.stream().anyMatch(a -> a.isReference() && !a.reference().sizeKnown());
    }

    /** The same message with a plain-text alternative to its HTML body. */
    public EmailMessage withTextAlternative(String text) {
        return new EmailMessage(subject, bodyType, bodyContent, to, cc, bcc, replyTo, from, importance, headers, attachments,
                categories, deliveryReceiptRequested, readReceiptRequested, text, sender);
    }

    /** The same message with other from and sender addresses (the allowlist's spelling of the same mailboxes). */
    public EmailMessage withSenders(EmailAddress newFrom, EmailAddress newSender) {
        return new EmailMessage(subject, bodyType, bodyContent, to, cc, bcc, replyTo, newFrom, importance, headers, attachments,
                categories, deliveryReceiptRequested, readReceiptRequested, textAlternative, newSender);
    }

    /** The same message with Graph's {@code sender}. */
    public EmailMessage withSender(EmailAddress newSender) {
        return withSenders(from, newSender);
    }

    @Override
    public List<SenderAddress> senderAddresses() {
        List<SenderAddress> out = new ArrayList<>(2);
        if (from != null) {
            out.add(new SenderAddress("message.from", from));
        }
        if (sender != null) {
            out.add(new SenderAddress("message.sender", sender));
        }
        return out;
    }

    public boolean hasTextAlternative() {
        return textAlternative != null;
    }

    @Override
    public int recipientCount() {
        return to.size() + cc.size() + bcc.size();
    }
}
