package io.graphmailer.format.outbox;

import io.graphmailer.format.graph.SendMailRequestParser;
import io.graphmailer.domain.MailLimits;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * An envelope without an idempotency key gets one derived from the mailbox and the message: two spellings of one
 * mailbox (case, a Unicode domain and its IDNA form) are one mailbox, so a producer that enqueued both gets one send.
 */
class OutboxEnvelopeKeyTest {
    private final OutboxEnvelope envelopes = new OutboxEnvelope(new SendMailRequestParser(MailLimits.DEFAULT));

    private static String envelope(String mailbox) {
        return "{\"version\":1,\"mailbox\":\"" + mailbox + "\",\"sendMail\":{\"message\":{\"subject\":\"s\","
                + "\"body\":{\"contentType\":\"text\",\"content\":\"c\"},"
                + "\"toRecipients\":[{\"emailAddress\":{\"address\":\"ops@fabrikam.example\"}}]}}}";
    }

    @Test
    void givenTwoSpellingsOfOneMailbox_thenTheDerivedKeysAreEqual() {
        String ascii = envelopes.read(envelope("noreply@contoso.example")).idempotencyKey();
        assertThat(envelopes.read(envelope("NoReply@Contoso.Example")).idempotencyKey()).isEqualTo(ascii);
        String idn = envelopes.read(envelope("noreply@b\u00fccher.example")).idempotencyKey();
        assertThat(envelopes.read(envelope("noreply@xn--bcher-kva.example")).idempotencyKey()).isEqualTo(idn);
        assertThat(idn).isNotEqualTo(ascii);
    }

    @Test
    void givenAnotherMessage_thenAnotherKey() {
        String one = envelopes.read(envelope("noreply@contoso.example")).idempotencyKey();
        String other = envelopes.read(envelope("noreply@contoso.example").replace("\"s\"", "\"t\"")).idempotencyKey();
        assertThat(other).isNotEqualTo(one).startsWith("sha256:");
    }
}
