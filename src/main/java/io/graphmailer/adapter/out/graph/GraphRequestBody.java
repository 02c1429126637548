package io.graphmailer.adapter.out.graph;

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
        ObjectNode root = JSON.createObjectNode();
        root.set("message", message(m));
        root.put("saveToSentItems", saveToSentItems);
        return write(root);
    }

    /**
     * A message resource for {@code POST /users/{id}/mailFolders/sentitems/messages}: the copy of a message sent
     * by SMTP. PR_MESSAGE_FLAGS (0x0E07) = 1 (read, not unsent) makes it show as sent, not as a draft; the flag can
     * only be set when the item is created.
     */
    static byte[] sentItemsCopy(EmailMessage m) {
        ObjectNode message = message(m);
        message.putArray("singleValueExtendedProperties").addObject().put("id", "Integer 0x0E07").put("value", "1");
        return write(message);
    }

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
        message.put("importance", m.importance().name().toLowerCase(Locale.ROOT));
        if (!m.headers().isEmpty()) {
            ArrayNode headers = message.putArray("internetMessageHeaders");
            for (Header h : m.headers()) {
                headers.addObject().put("name", h.name()).put("value", h.value());
            }
        }
        if (!m.attachments().isEmpty()) {
            ArrayNode attachments = message.putArray("attachments");
            for (Attachment a : m.attachments()) {
                ObjectNode node = attachments.addObject();
                node.put("@odata.type", "#microsoft.graph.fileAttachment");
                node.put("name", a.name());
                node.put("contentType", a.contentType());
                node.put("contentBytes", Base64.getEncoder().encodeToString(a.content()));
                node.put("isInline", a.inline());
                if (a.contentId() != null) {
                    node.put("contentId", a.contentId());
                }
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
