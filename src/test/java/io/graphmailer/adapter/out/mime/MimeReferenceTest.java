package io.graphmailer.adapter.out.mime;

import io.graphmailer.application.port.out.AttachmentContentSource;
import io.graphmailer.domain.Attachment;
import io.graphmailer.domain.AttachmentReference;
import io.graphmailer.domain.BodyType;
import io.graphmailer.domain.EmailAddress;
import io.graphmailer.domain.EmailMessage;
import io.graphmailer.domain.Importance;
import io.graphmailer.domain.Mailbox;
import jakarta.mail.Multipart;
import jakarta.mail.Part;
import jakarta.mail.Session;
import jakarta.mail.internet.MimeMessage;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.net.URI;
import java.util.List;
import java.util.OptionalLong;
import java.util.Properties;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;

/** Attachments by reference in MIME (SMTP and outbox): the blob is opened only while the message is written. */
class MimeReferenceTest {
    private static final int SIZE = 2 * 1024 * 1024 + 3;

    private static byte[] content() {
        byte[] bytes = new byte[SIZE];
        new SplittableRandom(7).nextBytes(bytes);
        return bytes;
    }

    @Test
    void givenReference_thenStreamedIntoTheMimeBodyOnlyWhenWritten() throws Exception {
        AtomicInteger opened = new AtomicInteger();
        AttachmentContentSource source = new AttachmentContentSource() {
            @Override
            public OptionalLong size(AttachmentReference reference) {
                return OptionalLong.of(SIZE);
            }

            @Override
            public InputStream open(AttachmentReference reference) {
                opened.incrementAndGet();
                return new ByteArrayInputStream(content());
            }
        };
        Attachment a = Attachment.byReference("data.bin", "application/octet-stream",
                new AttachmentReference(URI.create("https://account.blob.core.windows.net/c/data.bin"), SIZE), false, null);
        EmailMessage m = new EmailMessage("s", BodyType.TEXT, "see attached", List.of(new EmailAddress("ops@fabrikam.example", null)),
                List.of(), List.of(), List.of(), null, Importance.NORMAL, List.of(), List.of(a), List.of(), false, false);
        MimeMessageFactory factory = new MimeMessageFactory(source);

        MimeMessage message = factory.create(new Mailbox("noreply@contoso.example"), m, "t-1");
        assertThat(opened.get()).as("building the message reads nothing").isZero();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        message.writeTo(out);
        assertThat(opened.get()).isEqualTo(1);

        MimeMessage parsed = new MimeMessage(Session.getInstance(new Properties()), new ByteArrayInputStream(out.toByteArray()));
        Part part = ((Multipart) parsed.getContent()).getBodyPart(1);
        assertThat(part.getFileName()).isEqualTo("data.bin");
        try (InputStream in = part.getInputStream()) {
            assertThat(in.readAllBytes()).isEqualTo(content());
        }
    }
}
