package io.graphmailer.domain;

import java.util.List;

/** A message in Graph's JSON shape, already parsed; validated by {@link SendMailCommand}. */
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
        boolean readReceiptRequested) implements MailContent {

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
                categories, deliveryReceiptRequested, readReceiptRequested);
    }

    /** True when an attachment is a reference whose size has not been read yet. */
    public boolean hasUnresolvedReferences() {
        return attachments.stream().anyMatch(a -> a.isReference() && !a.reference().sizeKnown());
    }

    @Override
    public int recipientCount() {
        return to.size() + cc.size() + bcc.size();
    }
}
