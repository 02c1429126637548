package io.graphmailer.format.graph;

import io.graphmailer.domain.EmailAddress;
import io.graphmailer.domain.InvalidMailException;
import io.graphmailer.domain.MailLimits;
import io.graphmailer.domain.Mailbox;
import io.graphmailer.domain.MimeContent;
import io.graphmailer.domain.SendMailCommand;
import io.graphmailer.domain.SenderAddress;
import io.graphmailer.domain.Violations;
import jakarta.mail.Address;
import jakarta.mail.BodyPart;
import jakarta.mail.Message;
import jakarta.mail.MessagingException;
import jakarta.mail.Multipart;
import jakarta.mail.Part;
import jakarta.mail.Session;
import jakarta.mail.internet.AddressException;
import jakarta.mail.internet.InternetAddress;
import jakarta.mail.internet.MimeMessage;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.Properties;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Graph's MIME form of sendMail: a {@code text/plain} body holding a base64 MIME message. It is
 * parsed with a real MIME parser and held to the same rules as the JSON form before it goes on.
 */
public final class MimeRequestParser {
    private static final Session SESSION = Session.getInstance(new Properties());
    private static final int MAX_PART_DEPTH = 10;
    /** The headers that say who sends (RFC 5322 3.6.2 and 3.6.6); each address must pass the sender policy. */
    private static final List<String> SENDER_HEADERS = List.of("From", "Sender", "Resent-From", "Resent-Sender");
    /** RFC 5322 2.1.1; the message goes on unchanged, so a longer line would reach the transport. */
    static final int MAX_LINE = 998;
    private static final Pattern UTF8_WORD = Pattern.compile("=\\?(?i:utf-?8)(?:\\*[^?]*)?\\?([BbQq])\\?([^?\\s]*)\\?=");
    private static final Pattern HEADER_FIELD = Pattern.compile("[!-9;-~]+:"); // RFC 5322 field name and colon
    private static final String[] DECODED_HEADERS = {"Subject", "From", "Sender", "To", "Cc", "Bcc", "Reply-To"};

    private final MailLimits limits;

    public MimeRequestParser(MailLimits limits) {
        this.limits = limits;
    }

    public SendMailCommand parse(Mailbox mailbox, byte[] base64Body) {
        byte[] mime;
        try {
            mime = Base64.getDecoder().decode(stripWhitespace(base64Body));
        } catch (IllegalArgumentException e) {
            throw new InvalidMailException("body", "is not valid base64 (the MIME form of sendMail carries a base64-encoded MIME message)");
        }
        if (mime.length == 0) {
            throw new InvalidMailException("body", "is empty; expected a base64-encoded MIME message");
        }
        int longLine = longestLine(mime);
        if (longLine > MAX_LINE) {
            throw new InvalidMailException("body", "holds a MIME line of " + longLine + " characters; RFC 5322 allows at most "
                    + MAX_LINE);
        }
        int headerEnd = headerEnd(mime);
        if (!isUtf8(mime, 0, headerEnd)) {
            throw new InvalidMailException("mime", "has header bytes that are not valid UTF-8 (RFC 6532)");
        }
        for (int i = 0; i < headerEnd; i++) {
            int b = mime[i] & 0xff;
            if ((b < 0x20 && b != '\t' && b != '\r' && b != '\n') || b == 0x7f) {
                throw new InvalidMailException("mime", "has a control character in its headers");
            }
        }
        for (String line : new String(mime, 0, headerEnd, StandardCharsets.UTF_8).split("\r?\n")) {
            if (!line.isEmpty() && line.charAt(0) != ' ' && line.charAt(0) != '\t' && !HEADER_FIELD.matcher(line).lookingAt()) {
                throw new InvalidMailException("mime", "has a header line that is neither 'Name: value' nor a folded continuation");
            }
        }
        Violations v = new Violations();
        try {
            MimeMessage message = new MimeMessage(SESSION, new ByteArrayInputStream(mime));
            String subject = message.getSubject();
            List<EmailAddress> recipients = new ArrayList<>();
            recipients(message, Message.RecipientType.TO, "To", recipients, v);
            recipients(message, Message.RecipientType.CC, "Cc", recipients, v);
            recipients(message, Message.RecipientType.BCC, "Bcc", recipients, v);
            List<SenderAddress> senders = new ArrayList<>();
            for (String header : SENDER_HEADERS) {
                // Every occurrence: a second From or Resent-From must not slip past the first.
                List<EmailAddress> found = new ArrayList<>();
                recipients(message, null, header, found, v);
                found.forEach(a -> senders.add(new SenderAddress("mime." + header, a)));
            }
            for (String name : DECODED_HEADERS) {
                String[] values = message.getHeader(name);
                for (String value : values == null ? new String[0] : values) {
                    // an addr-spec is never an encoded word (RFC 2047 5), however it looks; '@' cannot occur in one
                    String words = name.equals("Subject") ? value : value.replaceAll("[^\\s,<>\"]*@[^\\s,<>\"]*", " ");
                    if (!encodedWordsAreUtf8(words)) {
                        v.add("mime." + name, "has an RFC 2047 encoded word that is not valid UTF-8");
                        break;
                    }
                }
            }
            int attachments = countAttachments(message, 0, v);
            v.throwIfAny();
            return new SendMailCommand(mailbox, new MimeContent(mime, subject, recipients, attachments, senders), false, limits);
        } catch (MessagingException | IOException | RuntimeException e) {
            if (e instanceof InvalidMailException invalid) {
                throw invalid;
            }
            throw new InvalidMailException("body", "is not a readable MIME message");
        }
    }

    private static int longestLine(byte[] mime) {
        int longest = 0;
        int length = 0;
        for (byte b : mime) {
            if (b == '\n') {
                longest = Math.max(longest, length);
                length = 0;
            } else if (b != '\r') {
                length++;
            }
        }
        return Math.max(longest, length);
    }

    /** Where the header section ends (the first empty line), or the end of the message. */
    private static int headerEnd(byte[] mime) {
        for (int i = 0; i + 1 < mime.length; i++) {
            if (mime[i] == '\n' && (mime[i + 1] == '\n' || (mime[i + 1] == '\r' && i + 2 < mime.length && mime[i + 2] == '\n'))) {
                return i + 1;
            }
        }
        return mime.length;
    }

    private static boolean isUtf8(byte[] bytes, int from, int to) {
        try {
            StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(bytes, from, to - from));
            return true;
        } catch (CharacterCodingException e) {
            return false;
        }
    }

    /** Decodes each UTF-8 encoded word's bytes strictly (Jakarta's decoder would turn malformed bytes into U+FFFD). */
    static boolean encodedWordsAreUtf8(String header) {
        Matcher m = UTF8_WORD.matcher(header);
        while (m.find()) {
            byte[] bytes;
            if (m.group(1).equalsIgnoreCase("B")) {
                try {
                    bytes = Base64.getMimeDecoder().decode(m.group(2));
                } catch (IllegalArgumentException e) {
                    return false;
                }
            } else {
                bytes = qDecode(m.group(2));
                if (bytes == null) {
                    return false;
                }
            }
            if (!isUtf8(bytes, 0, bytes.length)) {
                return false;
            }
        }
        return true;
    }

    private static boolean knownCharset(String charset) {
        try {
            return java.nio.charset.Charset.isSupported(jakarta.mail.internet.MimeUtility.javaCharset(charset.trim()));
        } catch (IllegalArgumentException e) {
            return false;
        }
    }

    private static byte[] qDecode(String text) {
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c == '_') {
                out.write(' ');
            } else if (c == '=') {
                if (i + 2 >= text.length()) {
                    return null;
                }
                int hi = Character.digit(text.charAt(i + 1), 16);
                int lo = Character.digit(text.charAt(i + 2), 16);
                if (hi < 0 || lo < 0) {
                    return null;
                }
                out.write(hi * 16 + lo);
                i += 2;
            } else {
                out.write(c);
            }
        }
        return out.toByteArray();
    }

    /**
     * A text part of the message body that says it is UTF-8 must be: decoded strictly after its transfer encoding.
     * Attached files are the caller's bytes, as in the JSON form.
     */
    private static void checkUtf8Text(Part part, Violations v) throws MessagingException, IOException {
        // every leaf must decode with its transfer encoding (an unknown or broken one is unreadable for the recipient too)
        try (InputStream in = part.getInputStream()) {
            in.transferTo(java.io.OutputStream.nullOutputStream());
        }
        if (!part.isMimeType("text/*") || Part.ATTACHMENT.equalsIgnoreCase(part.getDisposition()) || part.getFileName() != null) {
            return;
        }
        String charset = new jakarta.mail.internet.ContentType(part.getContentType()).getParameter("charset");
        if (charset == null) {
            return;
        }
        if (!charset.trim().toLowerCase(Locale.ROOT).matches("utf-?8")) {
            if (!knownCharset(charset)) {
                v.add("mime", "has a text part in an unknown charset");
            }
            return;
        }
        byte[] content;
        try (InputStream in = part.getInputStream()) {
            content = in.readAllBytes();
        }
        if (!isUtf8(content, 0, content.length)) {
            v.add("mime", "has a text part declared UTF-8 that is not valid UTF-8");
        }
    }

    private static byte[] stripWhitespace(byte[] in) {
        String s = new String(in, StandardCharsets.US_ASCII).replaceAll("\\s", "");
        return s.getBytes(StandardCharsets.US_ASCII);
    }

    private static void recipients(MimeMessage message, Message.RecipientType type, String header,
                                   List<EmailAddress> into, Violations v) throws MessagingException {
        String[] values = message.getHeader(header);
        if (values == null) {
            return;
        }
        for (String value : values) {
            addresses(value, header, into, v);
        }
    }

    private static void addresses(String value, String header, List<EmailAddress> into, Violations v) {
        try {
            for (Address a : InternetAddress.parseHeader(value, true)) {
                InternetAddress ia = (InternetAddress) a;
                if (ia.isGroup()) {
                    for (InternetAddress member : ia.getGroup(true)) {
                        EmailAddress e = EmailAddress.of(member.getAddress(), member.getPersonal(), "mime." + header, v);
                        if (e != null) {
                            into.add(e);
                        }
                    }
                    continue;
                }
                EmailAddress e = EmailAddress.of(ia.getAddress(), ia.getPersonal(), "mime." + header, v);
                if (e != null) {
                    into.add(e);
                }
            }
        } catch (AddressException e) {
            v.add("mime." + header, "is not a valid address list");
        }
    }

    private static int countAttachments(Part part, int depth, Violations v) throws MessagingException, IOException {
        if (depth > MAX_PART_DEPTH) {
            v.add("mime", "nests MIME parts more deeply than " + MAX_PART_DEPTH + " levels");
            return 0;
        }
        try {
            new jakarta.mail.internet.ContentType(part.getContentType());
        } catch (jakarta.mail.internet.ParseException e) {
            v.add("mime", "has a part whose Content-Type is not a MIME type");
            return 0;
        }
        if (part.isMimeType("multipart/*")) {
            Multipart multipart = (Multipart) part.getContent();
            int count = 0;
            for (int i = 0; i < multipart.getCount(); i++) {
                BodyPart child = multipart.getBodyPart(i);
                count += countAttachments(child, depth + 1, v);
            }
            return count;
        }
        checkUtf8Text(part, v);
        return Part.ATTACHMENT.equalsIgnoreCase(part.getDisposition()) || part.getFileName() != null ? 1 : 0;
    }
}
