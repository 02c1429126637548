package io.graphmailer.adapter.in.graphapi;

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
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Properties;

/**
 * Graph's MIME form of sendMail: a {@code text/plain} body holding a base64 MIME message. It is
 * parsed with a real MIME parser and held to the same rules as the JSON form before it goes on.
 */
public final class MimeRequestParser {
    private static final Session SESSION = Session.getInstance(new Properties());
    private static final int MAX_PART_DEPTH = 10;
    /** The headers that say who sends (RFC 5322 3.6.2 and 3.6.6); each address must pass the sender policy. */
    private static final List<String> SENDER_HEADERS = List.of("From", "Sender", "Resent-From", "Resent-Sender");

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
            int attachments = countAttachments(message, 0, v);
            v.throwIfAny();
            return new SendMailCommand(mailbox, new MimeContent(mime, subject, recipients, attachments, senders), false, limits);
        } catch (MessagingException | IOException e) {
            throw new InvalidMailException("body", "is not a readable MIME message");
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
        if (part.isMimeType("multipart/*")) {
            Multipart multipart = (Multipart) part.getContent();
            int count = 0;
            for (int i = 0; i < multipart.getCount(); i++) {
                BodyPart child = multipart.getBodyPart(i);
                count += countAttachments(child, depth + 1, v);
            }
            return count;
        }
        return Part.ATTACHMENT.equalsIgnoreCase(part.getDisposition()) || part.getFileName() != null ? 1 : 0;
    }
}
