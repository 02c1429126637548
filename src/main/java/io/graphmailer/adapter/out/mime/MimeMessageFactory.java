package io.graphmailer.adapter.out.mime;

import io.graphmailer.domain.Attachment;
import io.graphmailer.domain.BodyType;
import io.graphmailer.domain.EmailAddress;
import io.graphmailer.domain.EmailMessage;
import io.graphmailer.domain.Header;
import io.graphmailer.domain.Importance;
import io.graphmailer.domain.MailTransportException;
import io.graphmailer.domain.Mailbox;
import io.graphmailer.application.port.out.AttachmentContentSource;
import jakarta.activation.DataHandler;
import jakarta.inject.Inject;
import jakarta.inject.Singleton;
import jakarta.activation.DataSource;
import jakarta.mail.Message;
import jakarta.mail.MessagingException;
import jakarta.mail.Session;
import jakarta.mail.internet.InternetAddress;
import jakarta.mail.internet.MimeBodyPart;
import jakarta.mail.internet.MimeMessage;
import jakarta.mail.internet.MimeMultipart;
import jakarta.mail.internet.MimeUtility;
import jakarta.mail.util.ByteArrayDataSource;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Date;
import java.util.List;
import java.util.Properties;

/**
 * Builds an RFC 5322 / MIME message from a Graph-shaped {@link EmailMessage}: the body, inline
 * images in multipart/related, files in multipart/mixed. Used by the outbox and by SMTP.
 */
@Singleton
public final class MimeMessageFactory {
    public static final String TRACKING_HEADER = "X-Graph-Mailer-Tracking-Id";
    private static final Session SESSION = Session.getInstance(new Properties());

    private final AttachmentContentSource attachments;

    public MimeMessageFactory() {
        this(AttachmentContentSource.NONE);
    }

    /** {@code attachments}: where attachments by reference are streamed from while the message is written. */
    @Inject
    public MimeMessageFactory(AttachmentContentSource attachments) {
        this.attachments = attachments;
    }

    public MimeMessage create(Mailbox mailbox, EmailMessage m, String trackingId) {
        try {
            MimeMessage msg = new MimeMessage(SESSION);
            InternetAddress sender = new InternetAddress(mailbox.id());
            if (m.from() != null) {
                msg.setFrom(address(m.from()));
                if (m.sender() != null) {
                    msg.setSender(address(m.sender()));
                } else if (!m.from().key().equals(mailbox.key())) {
                    msg.setSender(sender); // sending on behalf of another address, as Exchange shows it
                }
            } else {
                msg.setFrom(sender);
            }
            msg.setRecipients(Message.RecipientType.TO, addresses(m.to()));
            msg.setRecipients(Message.RecipientType.CC, addresses(m.cc()));
            msg.setRecipients(Message.RecipientType.BCC, addresses(m.bcc()));
            if (!m.replyTo().isEmpty()) {
                msg.setReplyTo(addresses(m.replyTo()));
            }
            msg.setHeader("Subject", HeaderText.unstructured("Subject", m.subject() == null ? "" : m.subject()));
            msg.setSentDate(new Date());
            if (m.importance() != Importance.NORMAL) {
                msg.setHeader("Importance", m.importance() == Importance.HIGH ? "high" : "low");
                msg.setHeader("X-Priority", m.importance() == Importance.HIGH ? "1" : "5");
            }
            if (m.readReceiptRequested()) {
                msg.setHeader("Disposition-Notification-To", sender.toString());
            }
            if (m.deliveryReceiptRequested()) {
                msg.setHeader("Return-Receipt-To", sender.toString());
            }
            if (m.categories().stream().anyMatch(c -> !c.isEmpty())) {
                msg.setHeader("Keywords", HeaderText.keywords(m.categories()));
            }
            for (Header h : m.headers()) {
                msg.addHeader(h.name(), HeaderText.unstructured(h.name(), h.value()));
            }
            refoldAddressHeaders(msg);
            msg.setHeader(TRACKING_HEADER, trackingId);
            setContent(msg, m);
            msg.saveChanges();
            return msg;
        } catch (MessagingException | IOException | RuntimeException e) {
            if (e instanceof MailTransportException t) {
                throw t;
            }
            throw notEncodable(e);
        }
    }

    /**
     * The command was validated, so this is a bug, not the caller's fault; still an answer naming the message (and,
     * on the queue, a dead letter), never a stack trace. The cause stays in the log, without the message's content.
     */
    public static MailTransportException notEncodable(Exception e) {
        return new MailTransportException(MailTransportException.Kind.REJECTED, "MessageNotEncodable",
                "the message could not be MIME-encoded (" + e.getClass().getSimpleName() + "); please report this to the graph-mailer operators",
                null, e);
    }

    /** Jakarta folds address lists only between addresses; fold inside long display names too (encoded words, quoted text). */
    private static void refoldAddressHeaders(MimeMessage msg) throws MessagingException {
        for (String name : new String[] {"From", "Sender", "To", "Cc", "Bcc", "Reply-To"}) {
            String value = msg.getHeader(name, ",");
            if (value != null) {
                msg.setHeader(name, MimeUtility.fold(name.length() + 2, MimeUtility.unfold(value)));
            }
        }
    }

    public byte[] toBytes(MimeMessage message) {
        try {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            message.writeTo(out);
            return out.toByteArray();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (MessagingException e) {
            throw notEncodable(e);
        }
    }

    private void setContent(MimeMessage msg, EmailMessage m) throws MessagingException {
        MimeBodyPart body = new MimeBodyPart();
        // multipart/alternative: the plain text first, the preferred HTML last (RFC 2046).
        MimeMultipart alternative = null;
        if (m.hasTextAlternative() && m.bodyType() == BodyType.HTML) {
            alternative = new MimeMultipart("alternative");
            MimeBodyPart text = new MimeBodyPart();
            text.setText(m.textAlternative(), StandardCharsets.UTF_8.name(), "plain");
            MimeBodyPart html = new MimeBodyPart();
            html.setText(m.bodyContent(), StandardCharsets.UTF_8.name(), "html");
            alternative.addBodyPart(text);
            alternative.addBodyPart(html);
            body.setContent(alternative);
        } else {
            body.setText(m.bodyContent(), StandardCharsets.UTF_8.name(), m.bodyType() == BodyType.HTML ? "html" : "plain");
        }
        List<Attachment> inline = m.attachments().stream().filter(Attachment::inline).toList();
        List<Attachment> files = m.attachments().stream().filter(a -> !a.inline()).toList();
        if (inline.isEmpty() && files.isEmpty()) {
            if (alternative != null) {
                msg.setContent(alternative);
            } else {
                msg.setText(m.bodyContent(), StandardCharsets.UTF_8.name(), m.bodyType() == BodyType.HTML ? "html" : "plain");
            }
            return;
        }
        MimeBodyPart content = body;
        MimeMultipart related = null;
        if (!inline.isEmpty()) {
            related = new MimeMultipart("related");
            related.addBodyPart(body);
            for (Attachment a : inline) {
                related.addBodyPart(part(a));
            }
            content = new MimeBodyPart();
            content.setContent(related);
        }
        if (files.isEmpty()) {
            msg.setContent(related);
            return;
        }
        MimeMultipart mixed = new MimeMultipart("mixed");
        mixed.addBodyPart(content);
        for (Attachment a : files) {
            mixed.addBodyPart(part(a));
        }
        msg.setContent(mixed);
    }

    private MimeBodyPart part(Attachment a) throws MessagingException {
        MimeBodyPart part = new MimeBodyPart();
        part.setDataHandler(new DataHandler(a.isReference() ? new ReferenceDataSource(a) : new ByteArrayDataSource(a.content(), a.contentType())));
        try {
            part.setFileName(MimeUtility.encodeText(a.name(), "UTF-8", null));
        } catch (java.io.UnsupportedEncodingException e) {
            throw new IllegalStateException(e);
        }
        part.setDisposition(a.inline() ? MimeBodyPart.INLINE : MimeBodyPart.ATTACHMENT);
        if (a.contentId() != null && !a.contentId().isBlank()) {
            part.setContentID("<" + a.contentId() + ">");
        }
        part.setHeader("Content-Transfer-Encoding", "base64");
        return part;
    }

    /**
     * An attachment by reference as MIME content: each time the message is written (to the SMTP connection, to a file)
     * the blob is opened and streamed through the base64 encoder, never held whole in memory.
     */
    private final class ReferenceDataSource implements DataSource {
        private final Attachment attachment;

        ReferenceDataSource(Attachment attachment) {
            this.attachment = attachment;
        }

        @Override
        public InputStream getInputStream() {
            return attachments.open(attachment.reference());
        }

        @Override
        public OutputStream getOutputStream() throws IOException {
            throw new IOException("read-only");
        }

        @Override
        public String getContentType() {
            return attachment.contentType();
        }

        @Override
        public String getName() {
            return attachment.name();
        }
    }

    private static InternetAddress address(EmailAddress a) throws java.io.UnsupportedEncodingException {
        return new InternetAddress(asciiDomain(a.address()), a.name(), "UTF-8");
    }

    /** Headers are ASCII (no SMTPUTF8 here): an internationalised domain goes out as its A-labels (xn--). */
    private static String asciiDomain(String address) {
        int at = address.lastIndexOf('@');
        String domain = address.substring(at + 1);
        return domain.chars().allMatch(c -> c < 0x80) ? address : address.substring(0, at + 1) + java.net.IDN.toASCII(domain);
    }

    private static InternetAddress[] addresses(List<EmailAddress> list) throws java.io.UnsupportedEncodingException {
        InternetAddress[] out = new InternetAddress[list.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = address(list.get(i));
        }
        return out;
    }
}
