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
    /** RFC 5322 2.1.1: a line has at most 998 characters; a custom header's whole line counts (name, ": ", value). */
    public static final int MAX_HEADER_LINE = 998;
    private static final Pattern CONTENT_ID = Pattern.compile("[!-;=?-~]+"); // printable ASCII without space, < and >
    private static final int MAX_CATEGORY_LENGTH = 255;
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
        } else if (content instanceof MimeContent mime) {
            v.singleLine(mime.subject(), "subject");
        }
        v.throwIfAny();
    }

    private static void validateMessage(EmailMessage m, MailLimits limits, Violations v) {
        v.singleLine(m.subject(), "message.subject");
        if (Violations.hasUnpairedSurrogate(m.bodyContent())) {
            v.add("message.body.content", "is not valid Unicode text (unpaired surrogate)");
        }
        if (Violations.hasUnpairedSurrogate(m.textAlternative())) {
            v.add("message.@graphMailer.textAlternative", "is not valid Unicode text (unpaired surrogate)");
        }
        for (int i = 0; i < m.categories().size(); i++) {
            String field = "message.categories[" + i + "]";
            String category = m.categories().get(i);
            if (v.singleLine(category, field) && category.length() > MAX_CATEGORY_LENGTH) {
                v.add(field, "is longer than " + MAX_CATEGORY_LENGTH + " characters");
            }
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
            } else if (v.singleLine(h.value(), field + ".value") && h.name() != null
                    && h.name().length() + 2 + h.value().length() > MAX_HEADER_LINE) {
                v.add(field + ".value", "makes the header line (name, ': ' and value) " + (h.name().length() + 2 + h.value().length())
                        + " characters long; at most " + MAX_HEADER_LINE + " are allowed (RFC 5322)");
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
            String typeProblem = ContentTypes.whyNot(a.contentType());
            if (typeProblem != null) {
                v.add(field + ".contentType", typeProblem);
            }
            if (a.inline() && (a.contentId() == null || a.contentId().isBlank())) {
                v.add(field + ".contentId", "is required for an inline attachment (referenced as cid:... in the HTML body)");
            }
            if (a.contentId() != null && !a.contentId().isEmpty()
                    && (!CONTENT_ID.matcher(a.contentId()).matches() || a.contentId().length() > MAX_NAME_LENGTH)) {
                v.add(field + ".contentId", "must be at most " + MAX_NAME_LENGTH
                        + " printable ASCII characters without spaces, '<' or '>' (it becomes the part's Content-ID)");
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
            if (c < 0x20 || (c >= 0x7f && c <= 0x9f) || c == '/' || c == '\\') {
                v.add(field, "must be a file name without path separators or control characters");
                return;
            }
        }
        if (Violations.hasUnpairedSurrogate(name)) {
            v.add(field, "is not valid Unicode text (unpaired surrogate)");
        }
    }
}
