package io.graphmailer.domain;

import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The one sender rule every trigger uses, and the canonical mailbox form it compares on. */
class SenderPolicyTest {
    private static final EmailAddress TO = new EmailAddress("ops@fabrikam.example", null);
    private final SenderPolicy policy = new SenderPolicy(List.of("NoReply@contoso.example", "shared-finance@contoso.example",
            "info@bücher.example"), Map.of("noreply@CONTOSO.example", List.of("Shared-Finance@contoso.example")));

    private static SendMailCommand json(String mailbox, EmailAddress from, EmailAddress sender) {
        EmailMessage m = new EmailMessage("s", BodyType.TEXT, "c", List.of(TO), List.of(), List.of(), List.of(), from,
                Importance.NORMAL, List.of(), List.of(), List.of(), false, false).withSender(sender);
        return new SendMailCommand(new Mailbox(mailbox), m, true, MailLimits.DEFAULT);
    }

    private static SendMailCommand mime(String mailbox, SenderAddress... senders) {
        return new SendMailCommand(new Mailbox(mailbox), new MimeContent("x".getBytes(StandardCharsets.US_ASCII), "s",
                List.of(TO), 0, List.of(senders)), false, MailLimits.DEFAULT);
    }

    private static EmailAddress a(String address) {
        return new EmailAddress(address, "Name");
    }

    @Test
    void givenNoSenderFields_thenSentAsTheMailboxInTheAllowlistSpelling() {
        SendMailCommand sent = policy.authorize(json("noreply@contoso.EXAMPLE", null, null));
        assertThat(sent.mailbox().id()).isEqualTo("NoReply@contoso.example");
    }

    @Test
    void givenFromAnotherMailbox_thenRefusedNamingMessageFrom() {
        assertThatThrownBy(() -> policy.authorize(json("noreply@contoso.example", a("finance@contoso.example"), null)))
                .isInstanceOfSatisfying(SenderNotAllowedException.class, e -> {
                    assertThat(e.field()).isEqualTo("message.from");
                    assertThat(e.getMessage()).contains("finance@contoso.example", "GRAPH_MAILER_SEND_AS");
                });
    }

    @Test
    void givenSenderAnotherMailbox_thenRefusedNamingMessageSender() {
        assertThatThrownBy(() -> policy.authorize(json("noreply@contoso.example", null, a("finance@contoso.example"))))
                .isInstanceOfSatisfying(SenderNotAllowedException.class, e -> assertThat(e.field()).isEqualTo("message.sender"));
    }

    @Test
    void givenFromAnAllowedMailboxWithoutASendAsEntry_thenRefused() {
        assertThatThrownBy(() -> policy.authorize(json("shared-finance@contoso.example", a("noreply@contoso.example"), null)))
                .isInstanceOfSatisfying(SenderNotAllowedException.class, e -> assertThat(e.field()).isEqualTo("message.from"));
    }

    @Test
    void givenFromASendAsMailbox_thenAllowedAndBothAddressesInTheAllowlistSpelling() {
        SendMailCommand sent = policy.authorize(json("noreply@contoso.example", a("SHARED-finance@contoso.example"),
                a("noreply@contoso.example")));
        EmailMessage m = (EmailMessage) sent.content();
        assertThat(m.from().address()).isEqualTo("shared-finance@contoso.example");
        assertThat(m.from().name()).isEqualTo("Name");
        assertThat(m.sender().address()).isEqualTo("NoReply@contoso.example");
    }

    @Test
    void givenMimeSenderHeaders_thenEachIsChecked() {
        policy.authorize(mime("noreply@contoso.example", new SenderAddress("mime.From", a("shared-finance@contoso.example")),
                new SenderAddress("mime.Sender", a("NOREPLY@contoso.example"))));
        assertThatThrownBy(() -> policy.authorize(mime("noreply@contoso.example",
                new SenderAddress("mime.From", a("noreply@contoso.example")),
                new SenderAddress("mime.Resent-From", a("finance@contoso.example")))))
                .isInstanceOfSatisfying(SenderNotAllowedException.class, e -> assertThat(e.field()).isEqualTo("mime.Resent-From"));
    }

    @Test
    void givenASendAsEntryNamingAMailboxNotAllowed_thenThePolicyCannotBeBuilt() {
        assertThatThrownBy(() -> new SenderPolicy(List.of("noreply@contoso.example"),
                Map.of("noreply@contoso.example", List.of("ceo@contoso.example"))))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("ceo@contoso.example");
    }

    @Test
    void givenAnIdnDomainInUnicodeOrPunycode_thenOneMailboxSentAsTheAllowlistSpelling() {
        assertThat(new Mailbox("info@xn--bcher-kva.example").key()).isEqualTo(new Mailbox("info@bücher.example").key())
                .isEqualTo("info@xn--bcher-kva.example");
        assertThat(policy.requireAllowed(new Mailbox("INFO@XN--BCHER-KVA.example")).id()).isEqualTo("info@bücher.example");
    }

    @Test
    void givenCharactersThatFoldIntoAnAllowedSpelling_thenNotAMailboxAtAll() {
        assertThat(List.of(
                "\u212Aiosk@kontoso.example",   // KELVIN SIGN lower-cases to k
                "kiosk@\u212Aontoso.example",
                "ma\u0130ler@contoso.example",  // I WITH DOT ABOVE
                "mailer@\uFF43ontoso.example",  // fullwidth c
                "info@B\u00DCcher.example",     // upper-case non-ASCII: IDNA would fold it
                "info@stra\u00DFe.example",     // IDNA 2003 maps sharp s to ss
                "mailer@contoso.example.",
                "\"mailer\"@contoso.example",
                "mailer(c)@contoso.example"))
                .allSatisfy(s -> {
                    assertThat(EmailAddress.isValid(s)).as(s).isFalse();
                    assertThatThrownBy(() -> new Mailbox(s)).as(s).isInstanceOf(InvalidMailException.class);
                });
    }

    @Test
    void givenAnObjectId_thenComparedCaseInsensitively() {
        SenderPolicy ids = new SenderPolicy(List.of("0F8FAD5B-D9CB-469F-A165-70867728950E"));
        assertThat(ids.requireAllowed(new Mailbox("0f8fad5b-d9cb-469f-a165-70867728950e")).id())
                .isEqualTo("0F8FAD5B-D9CB-469F-A165-70867728950E");
    }
}
