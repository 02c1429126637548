package io.graphmailer.format.graph;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParseException;
import com.fasterxml.jackson.core.io.JsonEOFException;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.exc.StreamConstraintsException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.MapperFeature;
import com.fasterxml.jackson.databind.cfg.CoercionAction;
import com.fasterxml.jackson.databind.cfg.CoercionInputShape;
import com.fasterxml.jackson.databind.type.LogicalType;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import com.fasterxml.jackson.databind.json.JsonMapper;
import io.graphmailer.format.graph.GraphJson.AttachmentJson;
import io.graphmailer.format.graph.GraphJson.Recipient;
import io.graphmailer.domain.Attachment;
import io.graphmailer.domain.AttachmentReference;
import io.graphmailer.domain.BlobAllowlist;
import io.graphmailer.domain.BodyType;
import io.graphmailer.domain.EmailAddress;
import io.graphmailer.domain.EmailMessage;
import io.graphmailer.domain.Header;
import io.graphmailer.domain.Importance;
import io.graphmailer.domain.InvalidMailException;
import io.graphmailer.domain.MailLimits;
import io.graphmailer.domain.Mailbox;
import io.graphmailer.domain.SendMailCommand;
import io.graphmailer.domain.Violations;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Locale;

/**
 * Turns Graph's sendMail JSON body into a {@link SendMailCommand}, as leniently as Graph reads it
 * (property-name and enum case, booleans as strings) and refusing what Graph refuses, with the
 * field at fault. Shared by every trigger that carries a Graph sendMail body.
 */
public final class SendMailRequestParser {
    /** Graph's message is at most ~5 levels deep; anything far deeper is hostile. */
    static final int MAX_NESTING_DEPTH = 16;
    private static final String FILE_ATTACHMENT = "#microsoft.graph.fileattachment";

    private final ObjectMapper mapper;
    private final MailLimits limits;
    private final BlobAllowlist blobs;

    public SendMailRequestParser(MailLimits limits) {
        this(limits, BlobAllowlist.NONE);
    }

    /** {@code blobs}: the containers attachments by reference ({@code contentLocation}) may name. */
    public SendMailRequestParser(MailLimits limits, BlobAllowlist blobs) {
        this.limits = limits;
        this.blobs = blobs;
        JsonFactory factory = JsonFactory.builder()
                .streamReadConstraints(StreamReadConstraints.builder().maxNestingDepth(MAX_NESTING_DEPTH).build())
                .build();
        this.mapper = JsonMapper.builder(factory)
                .enable(MapperFeature.ACCEPT_CASE_INSENSITIVE_PROPERTIES)
                .enable(MapperFeature.ACCEPT_CASE_INSENSITIVE_ENUMS)
                .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
                .disable(DeserializationFeature.ACCEPT_SINGLE_VALUE_AS_ARRAY)
                .build();
        // Graph refuses a number or boolean where a string belongs, and a number where a boolean belongs;
        // it accepts a boolean written as a string ("true"), so that coercion stays.
        this.mapper.coercionConfigFor(LogicalType.Textual)
                .setCoercion(CoercionInputShape.Boolean, CoercionAction.Fail)
                .setCoercion(CoercionInputShape.Integer, CoercionAction.Fail)
                .setCoercion(CoercionInputShape.Float, CoercionAction.Fail);
        this.mapper.coercionConfigFor(LogicalType.Boolean)
                .setCoercion(CoercionInputShape.Integer, CoercionAction.Fail)
                .setCoercion(CoercionInputShape.Float, CoercionAction.Fail)
                .setCoercion(CoercionInputShape.EmptyString, CoercionAction.Fail);
    }

    public SendMailCommand parse(Mailbox mailbox, byte[] json) {
        GraphJson.SendMailRequest request = read(json);
        return toCommand(mailbox, request);
    }

    public SendMailCommand parse(Mailbox mailbox, com.fasterxml.jackson.databind.JsonNode json) {
        try {
            return toCommand(mailbox, mapper.treeToValue(json, GraphJson.SendMailRequest.class));
        } catch (JsonProcessingException e) {
            throw translate(e);
        }
    }

    private GraphJson.SendMailRequest read(byte[] json) {
        if (json == null || json.length == 0) {
            throw new InvalidMailException("body", "is empty; expected Graph's sendMail JSON {\"message\": {...}}");
        }
        String text = strictUtf8(json);
        try {
            GraphJson.SendMailRequest request = mapper.readValue(text, GraphJson.SendMailRequest.class);
            if (request == null) {
                throw new InvalidMailException("body", "must be a JSON object");
            }
            return request;
        } catch (IOException e) {
            throw translate(e);
        }
    }

    /**
     * JSON is UTF-8 (RFC 8259). Jackson's own decoder lets overlong forms ({@code C0 AF} for '/') and encoded
     * surrogates through, so the bytes go through the JDK's decoder, which refuses every malformed sequence.
     */
    static String strictUtf8(byte[] bytes) {
        int start = bytes.length >= 3 && (bytes[0] & 0xff) == 0xef && (bytes[1] & 0xff) == 0xbb && (bytes[2] & 0xff) == 0xbf ? 3 : 0;
        try {
            return StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(bytes, start, bytes.length - start))
                    .toString();
        } catch (CharacterCodingException e) {
            throw new InvalidMailException("body", "is not valid UTF-8 (malformed, overlong or surrogate byte sequence)");
        }
    }

    private static InvalidMailException translate(IOException e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof StreamConstraintsException) {
                return new InvalidMailException("body", "is nested more deeply than " + MAX_NESTING_DEPTH + " levels");
            }
            if (t instanceof JsonEOFException) {
                return new InvalidMailException("body", "ends before the JSON is complete");
            }
        }
        if (e instanceof JsonParseException parse) {
            String where = parse.getLocation() == null ? "" : " at line " + parse.getLocation().getLineNr()
                    + ", column " + parse.getLocation().getColumnNr();
            return new InvalidMailException("body", "is not valid JSON" + where);
        }
        if (e instanceof MismatchedInputException mismatch) {
            String path = path(mismatch);
            String expected = mismatch.getTargetType() == null ? "another type" : describe(mismatch.getTargetType());
            return new InvalidMailException(path.isEmpty() ? "body" : path, "has the wrong type; expected " + expected);
        }
        if (e instanceof JsonMappingException mapping) {
            String path = path(mapping);
            return new InvalidMailException(path.isEmpty() ? "body" : path, "could not be read");
        }
        return new InvalidMailException("body", "could not be read");
    }

    private static String describe(Class<?> type) {
        if (List.class.isAssignableFrom(type)) {
            return "an array";
        }
        if (type == String.class) {
            return "a string";
        }
        if (type == Boolean.class || type == boolean.class) {
            return "a boolean";
        }
        if (Number.class.isAssignableFrom(type) || type.isPrimitive()) {
            return "a number";
        }
        return "an object";
    }

    private static String path(JsonMappingException e) {
        StringBuilder sb = new StringBuilder();
        for (JsonMappingException.Reference ref : e.getPath()) {
            if (ref.getIndex() >= 0) {
                sb.append('[').append(ref.getIndex()).append(']');
            } else if (ref.getFieldName() != null) {
                if (!sb.isEmpty()) {
                    sb.append('.');
                }
                sb.append(ref.getFieldName());
            }
        }
        return sb.toString();
    }

    private SendMailCommand toCommand(Mailbox mailbox, GraphJson.SendMailRequest request) {
        Violations v = new Violations();
        unknown(request.unknown, "", v);
        GraphJson.Message m = request.message;
        if (m == null) {
            v.add("message", "is required");
            v.throwIfAny();
        }
        unknown(m.unknown, "message.", v);
        BodyType bodyType = BodyType.TEXT;
        String content = "";
        if (m.body != null) {
            unknown(m.body.unknown, "message.body.", v);
            bodyType = bodyType(m.body.contentType, v);
            content = m.body.content;
        }
        Importance importance = importance(m.importance, v);
        EmailMessage message = new EmailMessage(
                m.subject, bodyType, content,
                recipients(m.toRecipients, "message.toRecipients", v),
                recipients(m.ccRecipients, "message.ccRecipients", v),
                recipients(m.bccRecipients, "message.bccRecipients", v),
                recipients(m.replyTo, "message.replyTo", v),
                m.from == null ? null : recipient(m.from, "message.from", v),
                importance,
                headers(m.internetMessageHeaders, v),
                attachments(m.attachments, blobs, v),
                m.categories == null ? List.of() : m.categories.stream().filter(c -> c != null).toList(),
                Boolean.TRUE.equals(m.isDeliveryReceiptRequested),
                Boolean.TRUE.equals(m.isReadReceiptRequested)).withTextAlternative(m.textAlternative)
                .withSender(m.sender == null ? null : recipient(m.sender, "message.sender", v));
        v.throwIfAny();
        // Graph's default for saveToSentItems is true.
        return new SendMailCommand(mailbox, message, request.saveToSentItems == null || request.saveToSentItems, limits);
    }

    private static void unknown(List<String> names, String prefix, Violations v) {
        for (String name : names) {
            v.add(prefix + name, "is not a property graph-mailer supports on this object");
        }
    }

    private static BodyType bodyType(String value, Violations v) {
        if (value == null) {
            return BodyType.TEXT;
        }
        switch (value.toLowerCase(Locale.ROOT)) {
            case "text":
                return BodyType.TEXT;
            case "html":
                return BodyType.HTML;
            default:
                v.add("message.body.contentType", "must be 'text' or 'html'");
                return BodyType.TEXT;
        }
    }

    private static Importance importance(String value, Violations v) {
        if (value == null) {
            return Importance.NORMAL;
        }
        try {
            return Importance.valueOf(value.toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            v.add("message.importance", "must be 'low', 'normal' or 'high'");
            return Importance.NORMAL;
        }
    }

    private static List<EmailAddress> recipients(List<Recipient> list, String field, Violations v) {
        if (list == null) {
            return List.of();
        }
        List<EmailAddress> out = new ArrayList<>(list.size());
        for (int i = 0; i < list.size(); i++) {
            EmailAddress a = recipient(list.get(i), field + "[" + i + "]", v);
            if (a != null) {
                out.add(a);
            }
        }
        return out;
    }

    private static EmailAddress recipient(Recipient r, String field, Violations v) {
        if (r == null || r.emailAddress == null) {
            v.add(field + ".emailAddress", "is required");
            return null;
        }
        unknown(r.unknown, field + ".", v);
        unknown(r.emailAddress.unknown, field + ".emailAddress.", v);
        return EmailAddress.of(r.emailAddress.address, r.emailAddress.name, field + ".emailAddress", v);
    }

    private static List<Header> headers(List<GraphJson.HeaderJson> list, Violations v) {
        if (list == null) {
            return List.of();
        }
        List<Header> out = new ArrayList<>(list.size());
        for (int i = 0; i < list.size(); i++) {
            GraphJson.HeaderJson h = list.get(i);
            if (h == null) {
                v.add("message.internetMessageHeaders[" + i + "]", "must be an object with name and value");
                continue;
            }
            unknown(h.unknown, "message.internetMessageHeaders[" + i + "].", v);
            out.add(new Header(h.name, h.value));
        }
        return out;
    }

    private static List<Attachment> attachments(List<AttachmentJson> list, BlobAllowlist blobs, Violations v) {
        if (list == null) {
            return List.of();
        }
        List<Attachment> out = new ArrayList<>(list.size());
        for (int i = 0; i < list.size(); i++) {
            AttachmentJson a = list.get(i);
            String field = "message.attachments[" + i + "]";
            if (a == null) {
                v.add(field, "must be an object");
                continue;
            }
            unknown(a.unknown, field + ".", v);
            String type = a.odataType == null ? null : a.odataType.toLowerCase(Locale.ROOT);
            if (type == null) {
                v.add(field + ".@odata.type", "is required; use '#microsoft.graph.fileAttachment'");
                continue;
            }
            if (!(type.equals(FILE_ATTACHMENT) || type.equals(FILE_ATTACHMENT.substring(1)))) {
                v.add(field + ".@odata.type", "only '#microsoft.graph.fileAttachment' is supported");
                continue;
            }
            // validated with the message (ContentTypes); nothing is trimmed into validity
            String contentType = a.contentType == null || a.contentType.isEmpty() ? "application/octet-stream" : a.contentType;
            boolean inline = Boolean.TRUE.equals(a.isInline);
            if (a.contentBytes != null && a.contentLocation != null) {
                v.add(field + ".contentLocation", "give either contentBytes or contentLocation, not both");
                continue;
            }
            if (a.contentLocation != null && Violations.hasControl(a.contentLocation)) {
                v.add(field + ".contentLocation", "must not contain control characters or line breaks");
                continue;
            }
            if (a.contentLocation != null) {
                String why = blobs.whyNot(a.contentLocation.trim());
                if (why != null) {
                    v.add(field + ".contentLocation", why);
                    continue;
                }
                out.add(Attachment.byReference(a.name, contentType, AttachmentReference.unresolved(blobs.canonical(a.contentLocation.trim())),
                        inline, a.contentId));
                continue;
            }
            if (a.contentBytes == null) {
                v.add(field + ".contentBytes", "is required (or contentLocation, the URL of a blob, for a large file)");
                continue;
            }
            byte[] bytes;
            try {
                bytes = Base64.getDecoder().decode(a.contentBytes);
            } catch (IllegalArgumentException e) {
                v.add(field + ".contentBytes", "is not valid base64");
                continue;
            }
            out.add(new Attachment(a.name, contentType, bytes, inline, a.contentId));
        }
        return out;
    }
}
