package io.graphmailer.adapter.out.mime;

import io.graphmailer.domain.Attachment;
import io.graphmailer.domain.BodyType;
import io.graphmailer.domain.EmailAddress;
import io.graphmailer.domain.EmailMessage;
import io.graphmailer.domain.Header;
import io.graphmailer.domain.Importance;
import io.graphmailer.domain.MailLimits;
import io.graphmailer.domain.Mailbox;
import io.graphmailer.domain.SendMailCommand;
import jakarta.mail.Session;
import jakarta.mail.internet.MimeMessage;
import jakarta.mail.internet.MimeUtility;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.Properties;

import static org.assertj.core.api.Assertions.assertThat;

/** RFC 5322 2.1.1: every generated line is at most 998 characters, whatever the (valid) message holds. */
class HeaderFoldingTest {
    private static final Mailbox MAILBOX = new Mailbox("noreply@contoso.example");
    private final MimeMessageFactory factory = new MimeMessageFactory();

    private static EmailMessage message(String subject, List<Header> headers, List<String> categories, String name, String file) {
        EmailAddress to = new EmailAddress("ops@fabrikam.example", name);
        return new EmailMessage(subject, BodyType.TEXT, "body", List.of(to, to, to), List.of(to), List.of(), List.of(to), null,
                Importance.HIGH, headers, List.of(new Attachment(file, "text/plain; charset=utf-8", "x".getBytes(StandardCharsets.UTF_8), false, null)),
                categories, true, true);
    }

    private MimeMessage written(EmailMessage m) throws Exception {
        new SendMailCommand(MAILBOX, m, true, MailLimits.DEFAULT); // the message is valid: the limits are the domain's own
        byte[] bytes = factory.toBytes(factory.create(MAILBOX, m, "tracking"));
        String[] lines = new String(bytes, StandardCharsets.US_ASCII).split("\r\n", -1);
        assertThat(Arrays.stream(lines).mapToInt(String::length).max().orElse(0)).as("longest line").isLessThanOrEqualTo(998);
        return new MimeMessage(Session.getInstance(new Properties()), new ByteArrayInputStream(bytes));
    }

    @Test
    void givenA5000CharacterSubjectWithoutSpaces_thenFoldedIntoEncodedWordsThatDecodeToTheSubject() throws Exception {
        String subject = "S".repeat(5000);
        MimeMessage eml = written(message(subject, List.of(), List.of(), null, "a.txt"));
        assertThat(eml.getSubject()).isEqualTo(subject);
        assertThat(eml.getHeader("Subject", null).split("\r\n")).allSatisfy(line -> assertThat(line.length()).isLessThanOrEqualTo(78));
    }

    @Test
    void givenALongNonAsciiSubjectWithSpaces_thenEveryLineIsShortAndTheTextSurvives() throws Exception {
        String subject = "Grüße aus Köln 日本語 ✓ ".repeat(300).trim() + "😀".repeat(400);
        MimeMessage eml = written(message(subject, List.of(), List.of(), null, "a.txt"));
        assertThat(eml.getSubject()).isEqualTo(subject);
    }

    @Test
    void givenACustomHeaderWhoseWholeLineIs998Characters_thenItStaysOneLineWithItsValue() throws Exception {
        String name = "x-" + "n".repeat(98);
        String value = "v".repeat(998 - name.length() - 2);
        MimeMessage eml = written(message("s", List.of(new Header(name, value)), List.of(), null, "a.txt"));
        assertThat(MimeUtility.decodeText(MimeUtility.unfold(eml.getHeader(name, null)))).isEqualTo(value);
    }

    @Test
    void givenALongHeaderNameAndANonAsciiValue_thenTheValueStartsOnAFoldedLine() throws Exception {
        String name = "x-" + "n".repeat(950);
        String value = "é".repeat(40);
        MimeMessage eml = written(message("s", List.of(new Header(name, value)), List.of(), null, "a.txt"));
        assertThat(MimeUtility.decodeText(MimeUtility.unfold(eml.getHeader(name, null)).trim())).isEqualTo(value);
    }

    @Test
    void givenSpacedAsciiHeaderValue_thenFoldingKeepsEveryCharacter() throws Exception {
        String value = "a  b\tc " + "word ".repeat(150) + "  end  ";
        MimeMessage eml = written(message("s", List.of(new Header("x-spaced", value)), List.of(), null, "a.txt"));
        assertThat(MimeUtility.unfold(eml.getHeader("x-spaced", null))).isEqualTo(value);
    }

    @Test
    void givenLongDisplayNamesCategoriesAndFileName_thenEveryLineIsShortEnough() throws Exception {
        String name = "N".repeat(255);
        String unicodeName = "名".repeat(255);
        List<String> categories = List.of("", "C".repeat(255), "Ünïcødé ".repeat(30).trim(), "plain one", "with, comma", "");
        MimeMessage eml = written(message("s", List.of(), categories, name, "é".repeat(250) + ".txt"));
        assertThat(eml.getRecipients(jakarta.mail.Message.RecipientType.TO)).hasSize(3);
        written(message("s", List.of(), categories, unicodeName, "f".repeat(251) + ".txt"));
    }
}
