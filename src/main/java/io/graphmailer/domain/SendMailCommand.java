package io.graphmailer.domain;

import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * One message to send as {@code mailbox}. Constructing it validates everything Graph and Exchange
 * would refuse, so an invalid command never exists and nothing invalid reaches a transport.
 */
public record SendMailCommand(Mailbox mailbox, MailContent content, boolean saveToSentItems) {
    private static final Pattern HEADER_NAME = Pattern.compile("[!-9;-~]+"); // RFC 5322 ftext
    private static final int MAX_HEADER_VALUE = 995;
    private static final int MAX_NAME_LENGTH = 255;

    public SendMailCommand(Mailbox mailbox, MailContent content, boolean saveToSentItems, MailLimits limits) {
        this(mailbox, content, saveToSentItems);
        validate(content, limits == null ? MailLimits.DEFAULT : limits);
    }

    public SendMailCommand {
        if (mailbox == null || content == null) {
            throw new InvalidMailException(mailbox == null ? "mailbox" : "message", "is required");
        }
    }

    /** The same command sent as {@code other} (the allowlist's spelling of the same mailbox). */
    public SendMailCommand withMailbox(Mailbox other) {
        return new SendMailCommand(other, content, saveToSentItems);
    }

    /** The same command with content already validated (only the sender spellings differ). */
    public SendMailCommand withContent(MailContent other) {
        return new SendMailCommand(mailbox, other, saveToSentItems);
    }

    private static void validate(MailContent content, MailLimits limits) {
        Violations v = new Violations();
        String prefix = content instanceof EmailMessage ? "message." : "";
        int recipients = content.recipientCount();
        if (recipients == 0) {
            v.add(prefix + "toRecipients", "at least one recipient (to, cc or bcc) is required");
        } else if (recipients > limits.maxRecipients()) {
            v.add(prefix + "toRecipients", "has " + recipients + " recipients in to, cc and bcc together; at most "
                    + limits.maxRecipients() + " are allowed per message");
        }
        if (content instanceof EmailMessage m) {
            validateMessage(m, limits, v);
        } else if (content instanceof MimeContent mime && Violations.hasLineBreak(mime.subject())) {
            v.add("subject", "must not contain line breaks");
        }
        v.throwIfAny();
    }

    private static void validateMessage(EmailMessage m, MailLimits limits, Violations v) {
        if (Violations.hasLineBreak(m.subject())) {
            v.add("message.subject", "must not contain line breaks");
        }
        if (m.hasTextAlternative() && m.bodyType() != BodyType.HTML) {
            v.add("message.@graphMailer.textAlternative", "is a plain-text version of an HTML body; the body is already text");
        }
        Set<String> headerNames = new HashSet<>();
        for (int i = 0; i < m.headers().size(); i++) {
            Header h = m.headers().get(i);
            String field = "message.internetMessageHeaders[" + i + "]";
            if (h.name() == null || !h.name().toLowerCase(Locale.ROOT).startsWith("x-") || h.name().length() < 3) {
                v.add(field + ".name", "custom headers must start with 'x-' (Graph's rule)");
            } else if (!HEADER_NAME.matcher(h.name()).matches()) {
                v.add(field + ".name", "contains characters not allowed in a header name");
            } else if (!headerNames.add(h.name().toLowerCase(Locale.ROOT))) {
                v.add(field + ".name", "is given more than once");
            }
            if (h.value() == null) {
                v.add(field + ".value", "is required");
            } else if (Violations.hasLineBreak(h.value())) {
                v.add(field + ".value", "must not contain line breaks");
            } else if (h.value().length() > MAX_HEADER_VALUE) {
                v.add(field + ".value", "is longer than " + MAX_HEADER_VALUE + " characters");
            }
        }
        List<Attachment> attachments = m.attachments();
        if (attachments.size() > limits.maxAttachments()) {
            v.add("message.attachments", "has " + attachments.size() + " attachments; at most " + limits.maxAttachments()
                    + " are allowed per message");
        }
        long encoded = m.bodyContent().length() + 2048L; // body and headers; attachments added below
        for (int i = 0; i < attachments.size(); i++) {
            Attachment a = attachments.get(i);
            String field = "message.attachments[" + i + "]";
            validateAttachmentName(a.name(), field + ".name", v);
            if (Violations.hasLineBreak(a.contentType())) {
                v.add(field + ".contentType", "must not contain line breaks");
            }
            if (a.inline() && (a.contentId() == null || a.contentId().isBlank())) {
                v.add(field + ".contentId", "is required for an inline attachment (referenced as cid:... in the HTML body)");
            }
            if (a.contentId() != null && (Violations.hasLineBreak(a.contentId()) || a.contentId().length() > MAX_NAME_LENGTH)) {
                v.add(field + ".contentId", "must be a single line of at most " + MAX_NAME_LENGTH + " characters");
            }
            if (!a.isReference() && a.size() > limits.maxInlineAttachmentBytes()) {
                v.add(field + ".contentBytes", "is " + a.size() + " bytes; attachments sent inline with sendMail must be at most "
                        + limits.maxInlineAttachmentBytes() + " bytes (put larger files in a blob and give its URL as contentLocation)");
            } else if (a.isReference() && a.reference().sizeKnown() && a.size() > limits.maxAttachmentBytes()) {
                v.add(field + ".contentLocation", "names a blob of " + a.size() + " bytes; an attachment may have at most "
                        + limits.maxAttachmentBytes() + " bytes");
            }
            if (a.size() >= 0) {
                encoded += MailLimits.encodedSize(a.size());
            }
        }
        // Sizes of references are unknown while the request is read: the check runs again once the blobs' sizes are known.
        if (encoded > limits.maxMessageBytes()) {
            v.add("message.attachments", "make the message about " + mb(encoded) + " once MIME-encoded (attachments grow by about"
                    + " a third); at most " + mb(limits.maxMessageBytes()) + " (" + limits.maxMessageBytes() + " bytes) are allowed per message");
        }
    }

    private static String mb(long bytes) {
        return String.format(java.util.Locale.ROOT, "%.1f MB", bytes / (double) MailLimits.MB);
    }

    private static void validateAttachmentName(String name, String field, Violations v) {
        if (name == null || name.isBlank()) {
            v.add(field, "is required");
            return;
        }
        if (name.length() > MAX_NAME_LENGTH) {
            v.add(field, "is longer than " + MAX_NAME_LENGTH + " characters");
        }
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            if (c < 0x20 || c == 0x7f || c == '/' || c == '\\') {
                v.add(field, "must be a file name without path separators or control characters");
                return;
            }
        }
    }
}
