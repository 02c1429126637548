package io.graphmailer.format.graph;


import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.graphmailer.domain.Attachment;
import io.graphmailer.domain.EmailAddress;
import io.graphmailer.domain.EmailMessage;
import io.graphmailer.domain.Header;

import java.util.Base64;
import java.util.List;
import java.util.Locale;

/** Writes a validated message as Graph's sendMail JSON body: the small typed layer over graph-core. */
public final class GraphRequestBody {
    private static final ObjectMapper JSON = new ObjectMapper();

    private GraphRequestBody() {
    }

    public static byte[] sendMail(EmailMessage m, boolean saveToSentItems) {
        return sendMail(m, saveToSentItems, null);
    }

    /** @param internetMessageId the message id to give the message (see TrackingMessageId), or null for Exchange's own */
    public static byte[] sendMail(EmailMessage m, boolean saveToSentItems, String internetMessageId) {
        ObjectNode root = JSON.createObjectNode();
        ObjectNode message = message(m);
        if (internetMessageId != null) {
            message.put("internetMessageId", internetMessageId);
        }
        root.set("message", message);
        root.put("saveToSentItems", saveToSentItems);
        return write(root);
    }

    /**
     * A message resource for {@code POST /users/{id}/mailFolders/sentitems/messages}: the copy of a message sent
     * by SMTP. PR_MESSAGE_FLAGS (0x0E07) = 1 (read, not unsent) makes it show as sent, not as a draft; the flag can
     * only be set when the item is created.
     */
    public static byte[] sentItemsCopy(EmailMessage m) {
        ObjectNode message = message(m);
        message.putArray("singleValueExtendedProperties").addObject().put("id", "Integer 0x0E07").put("value", "1");
        return write(message);
    }

    /**
     * A draft for {@code POST /users/{id}/messages}: the message with its attachments carried as bytes; attachments by
     * reference are added to the draft afterwards. Without saveToSentItems, PR_DELETE_AFTER_SUBMIT (Boolean 0x0E01) asks
     * Exchange not to keep the sent draft (sendMail's saveToSentItems=false has no parameter on the draft's send).
     */
    public static byte[] draft(EmailMessage m, boolean saveToSentItems) {
        return draft(m, saveToSentItems, null);
    }

    public static byte[] draft(EmailMessage m, boolean saveToSentItems, String internetMessageId) {
        ObjectNode message = message(m);
        if (internetMessageId != null) {
            message.put("internetMessageId", internetMessageId);
        }
        if (!saveToSentItems) {
            message.putArray("singleValueExtendedProperties").addObject().put("id", "Boolean 0x0E01").put("value", "true");
        }
        return write(message);
    }

    /** One file attachment of at most 3 MB for {@code POST /users/{id}/messages/{draft}/attachments}. */
    public static byte[] fileAttachment(Attachment a, byte[] content) {
        ObjectNode node = JSON.createObjectNode();
        fileAttachment(node, a, content);
        return write(node);
    }

    /** {@code createUploadSession}'s body: the attachment's metadata and size, without content. */
    public static byte[] uploadSession(Attachment a) {
        ObjectNode root = JSON.createObjectNode();
        ObjectNode item = root.putObject("AttachmentItem");
        item.put("attachmentType", "file");
        item.put("name", a.name());
        item.put("size", a.size());
        item.put("contentType", a.contentType());
        item.put("isInline", a.inline());
        if (a.contentId() != null) {
            item.put("contentId", a.contentId());
        }
        return write(root);
    }

    private static void fileAttachment(ObjectNode node, Attachment a, byte[] content) {
        node.put("@odata.type", "#microsoft.graph.fileAttachment");
        node.put("name", a.name());
        node.put("contentType", a.contentType());
        node.put("contentBytes", Base64.getEncoder().encodeToString(content));
        node.put("isInline", a.inline());
        if (a.contentId() != null) {
            node.put("contentId", a.contentId());
        }
    }

    /** Attachments by reference are left out: they are uploaded to a draft separately (GraphMailSender). */
    private static ObjectNode message(EmailMessage m) {
        ObjectNode message = JSON.createObjectNode();
        if (m.subject() != null) {
            message.put("subject", m.subject());
        }
        ObjectNode body = message.putObject("body");
        body.put("contentType", m.bodyType().name().toLowerCase(Locale.ROOT));
        body.put("content", m.bodyContent());
        recipients(message, "toRecipients", m.to());
        recipients(message, "ccRecipients", m.cc());
        recipients(message, "bccRecipients", m.bcc());
        recipients(message, "replyTo", m.replyTo());
        if (m.from() != null) {
            message.set("from", recipient(m.from()));
        }
        if (m.sender() != null) {
            message.set("sender", recipient(m.sender()));
        }
        message.put("importance", m.importance().name().toLowerCase(Locale.ROOT));
        if (!m.headers().isEmpty()) {
            ArrayNode headers = message.putArray("internetMessageHeaders");
            for (Header h : m.headers()) {
                headers.addObject().put("name", h.name()).put("value", h.value());
            }
        }
        List<Attachment> withBytes = m.attachments().stream().filter(a -> !a.isReference()).toList();
        if (!withBytes.isEmpty()) {
            ArrayNode attachments = message.putArray("attachments");
            for (Attachment a : withBytes) {
                fileAttachment(attachments.addObject(), a, a.content());
            }
        }
        if (!m.categories().isEmpty()) {
            ArrayNode categories = message.putArray("categories");
            m.categories().forEach(categories::add);
        }
        if (m.deliveryReceiptRequested()) {
            message.put("isDeliveryReceiptRequested", true);
        }
        if (m.readReceiptRequested()) {
            message.put("isReadReceiptRequested", true);
        }
        return message;
    }

    private static byte[] write(ObjectNode root) {
        try {
            return JSON.writeValueAsBytes(root);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    private static void recipients(ObjectNode message, String field, List<EmailAddress> list) {
        if (!list.isEmpty()) {
            ArrayNode array = message.putArray(field);
            list.forEach(a -> array.add(recipient(a)));
        }
    }

    private static ObjectNode recipient(EmailAddress a) {
        ObjectNode r = JSON.createObjectNode();
        ObjectNode e = r.putObject("emailAddress");
        e.put("address", a.address());
        if (a.name() != null) {
            e.put("name", a.name());
        }
        return r;
    }
}
