package io.graphmailer.domain;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class SendMailCommandTest {
    private static final Mailbox MAILBOX = new Mailbox("noreply@contoso.example");
    private static final EmailAddress TO = new EmailAddress("ops@fabrikam.example", null);

    private static EmailMessage message(List<EmailAddress> to, List<Attachment> attachments) {
        return new EmailMessage("s", BodyType.TEXT, "c", to, List.of(), List.of(), List.of(), null, Importance.NORMAL,
                List.of(), attachments, List.of(), false, false);
    }

    @Test
    void givenInlineAttachmentOver3MB_thenRefusedNamingTheAttachment() {
        Attachment big = new Attachment("big.bin", "application/octet-stream", new byte[3 * 1024 * 1024 + 1], false, null);
        assertThatThrownBy(() -> new SendMailCommand(MAILBOX, message(List.of(TO), List.of(big)), true, MailLimits.DEFAULT))
                .isInstanceOfSatisfying(InvalidMailException.class, e ->
                        assertThat(e.violations()).extracting(Violation::field).containsExactly("message.attachments[0].contentBytes"));
    }

    @Test
    void givenRecipientsSpreadOverToCcBcc_thenTheLimitCountsThemTogether() {
        List<EmailAddress> three = List.of(TO, new EmailAddress("a@fabrikam.example", null), new EmailAddress("b@fabrikam.example", null));
        EmailMessage m = new EmailMessage("s", BodyType.TEXT, "c", three, three, three, List.of(), null, null,
                List.of(), List.of(), List.of(), false, false);
        assertThatThrownBy(() -> new SendMailCommand(MAILBOX, m, true, new MailLimits(8, 1024)))
                .isInstanceOf(InvalidMailException.class).hasMessageContaining("9 recipients");
        assertThat(new SendMailCommand(MAILBOX, m, true, new MailLimits(9, 1024)).content().recipientCount()).isEqualTo(9);
    }

    @Test
    void givenDuplicateCustomHeader_thenRefused() {
        EmailMessage m = new EmailMessage("s", BodyType.TEXT, "c", List.of(TO), List.of(), List.of(), List.of(), null, null,
                List.of(new Header("x-a", "1"), new Header("X-A", "2")), List.of(), List.of(), false, false);
        assertThatThrownBy(() -> new SendMailCommand(MAILBOX, m, true, MailLimits.DEFAULT))
                .isInstanceOfSatisfying(InvalidMailException.class, e ->
                        assertThat(e.violations()).extracting(Violation::field).containsExactly("message.internetMessageHeaders[1].name"));
    }

    @Test
    void givenMailboxByObjectIdOrUpn_thenAccepted_andAnythingElseRefused() {
        assertThat(new Mailbox("0f8fad5b-d9cb-469f-a165-70867728950e").key()).isEqualTo("0f8fad5b-d9cb-469f-a165-70867728950e");
        assertThat(new Mailbox("Shared.Finance@Contoso.example").key()).isEqualTo("shared.finance@contoso.example");
        assertThatThrownBy(() -> new Mailbox("../admin")).isInstanceOf(InvalidMailException.class);
    }

    @Test
    void givenAllowlist_thenComparisonIgnoresCase() {
        SenderPolicy policy = new SenderPolicy(List.of("NoReply@contoso.example"));
        policy.requireAllowed(new Mailbox("noreply@CONTOSO.example"));
        assertThatThrownBy(() -> policy.requireAllowed(new Mailbox("other@contoso.example"))).isInstanceOf(SenderNotAllowedException.class);
    }

    @Test
    void givenAddresses_thenOnlyWellFormedOnesAreValid() {
        assertThat(EmailAddress.isValid("first.last+tag@sub.fabrikam.example")).isTrue();
        assertThat(EmailAddress.isValid("josé@bücher.example")).isFalse(); // non-ASCII local part: Exchange needs SMTPUTF8
        assertThat(EmailAddress.isValid("user@bücher.example")).isTrue();
        assertThat(EmailAddress.isValid("a@b")).isFalse();
        assertThat(EmailAddress.isValid("a b@c.example")).isFalse();
        assertThat(EmailAddress.isValid("a@@c.example")).isFalse();
        assertThat(EmailAddress.isValid(".a@c.example")).isFalse();
    }

    private static Attachment reference(long size) {
        return Attachment.byReference("big.bin", "application/octet-stream", new AttachmentReference(
                java.net.URI.create("https://account.blob.core.windows.net/mail-attachments/big.bin"), size), false, null);
    }

    @Test
    void givenReferenceOver150MB_thenRefusedNamingItsContentLocation() {
        MailLimits raised = new MailLimits(500, MailLimits.GRAPH_INLINE_ATTACHMENT_BYTES, MailLimits.EXCHANGE_MAX_MESSAGE_BYTES,
                MailLimits.EXCHANGE_MAX_MESSAGE_BYTES, 100);
        assertThatThrownBy(() -> new SendMailCommand(MAILBOX, message(List.of(TO), List.of(reference(150 * MailLimits.MB + 1))), true, raised))
                .isInstanceOfSatisfying(InvalidMailException.class, e -> assertThat(e.violations()).extracting(Violation::field)
                        .contains("message.attachments[0].contentLocation"));
    }

    @Test
    void givenAttachmentsWhoseEncodedSizeExceedsTheMessageLimit_thenRefusedCountingBase64Growth() {
        // 27 MB of files is under 35 MB, but about 37 MB once base64-encoded in MIME.
        assertThatThrownBy(() -> new SendMailCommand(MAILBOX, message(List.of(TO), List.of(reference(27 * MailLimits.MB))), true,
                MailLimits.DEFAULT))
                .isInstanceOfSatisfying(InvalidMailException.class, e -> assertThat(e.violations()).extracting(Violation::field)
                        .containsExactly("message.attachments"));
        assertThat(new SendMailCommand(MAILBOX, message(List.of(TO), List.of(reference(25 * MailLimits.MB))), true, MailLimits.DEFAULT))
                .isNotNull();
    }

    @Test
    void givenUnresolvedReference_thenAcceptedUntilItsSizeIsKnown() {
        Attachment unresolved = Attachment.byReference("big.bin", "application/pdf", AttachmentReference.unresolved(
                java.net.URI.create("https://account.blob.core.windows.net/mail-attachments/big.bin")), false, null);
        SendMailCommand command = new SendMailCommand(MAILBOX, message(List.of(TO), List.of(unresolved)), true, MailLimits.DEFAULT);
        assertThat(((EmailMessage) command.content()).hasUnresolvedReferences()).isTrue();
    }

    @Test
    void givenMoreAttachmentsThanAllowed_thenRefusedWithTheCount() {
        Attachment small = new Attachment("a.txt", "text/plain", new byte[1], false, null);
        MailLimits two = new MailLimits(500, MailLimits.GRAPH_INLINE_ATTACHMENT_BYTES, MailLimits.EXCHANGE_MAX_MESSAGE_BYTES,
                MailLimits.EXCHANGE_DEFAULT_MESSAGE_BYTES, 2);
        assertThatThrownBy(() -> new SendMailCommand(MAILBOX, message(List.of(TO), List.of(small, small, small)), true, two))
                .isInstanceOf(InvalidMailException.class).hasMessageContaining("has 3 attachments; at most 2");
    }
}
