package io.graphmailer.adapter.out.jobs;

import io.graphmailer.format.graph.SendMailRequestParser;
import io.graphmailer.format.outbox.OutboxEnvelope;
import io.graphmailer.application.port.out.JobMailQueue.JobMail;
import io.graphmailer.application.port.out.MailQueue;
import io.graphmailer.domain.Attachment;
import io.graphmailer.domain.BodyType;
import io.graphmailer.domain.EmailAddress;
import io.graphmailer.domain.EmailMessage;
import io.graphmailer.domain.Importance;
import io.graphmailer.domain.MailLimits;
import io.graphmailer.domain.Mailbox;
import io.graphmailer.domain.QueuedMail;
import io.graphmailer.domain.SendMailCommand;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Job mail as outbox envelopes: what the queue function reads back is the same mail with the job's key. */
class EnvelopeJobMailQueueTest {
    private final List<String> enqueued = new ArrayList<>();
    private final MailQueue queue = new MailQueue() {
        @Override
        public void enqueue(String message) {
            enqueued.add(message);
        }

        @Override
        public void requeue(String message, Duration delay) {
            throw new AssertionError();
        }

        @Override
        public void deadLetter(String original, String code, String reason) {
            throw new AssertionError();
        }

        @Override
        public void poison(String original, String code, String reason) {
            throw new AssertionError();
        }
    };

    private static JobMail mail(byte[] attachment) {
        EmailMessage m = new EmailMessage("Digest <2025-01-06> ✓", BodyType.HTML, "<p>Hello &amp; welcome</p>",
                List.of(new EmailAddress("alice@fabrikam.example", "Alice")), List.of(), List.of(new EmailAddress("audit@contoso.example", null)),
                List.of(), null, Importance.NORMAL, List.of(), List.of(new Attachment("agenda.txt", "text/plain", attachment, false, null)),
                List.of(), false, false, "Hello & welcome");
        return new JobMail(new SendMailCommand(new Mailbox("noreply@contoso.example"), m, false, MailLimits.DEFAULT),
                "job|digest|2025-01-06T07:00:00Z|list#1");
    }

    @Test
    void givenJobMail_thenTheQueueFunctionParsesTheSameMailWithTheJobsKey() {
        new EnvelopeJobMailQueue(queue).enqueue(List.of(mail("agenda".getBytes())));

        QueuedMail parsed = new OutboxEnvelope(new SendMailRequestParser(MailLimits.DEFAULT)).read(enqueued.get(0));
        assertThat(parsed.idempotencyKey()).isEqualTo("job|digest|2025-01-06T07:00:00Z|list#1");
        assertThat(parsed.command().mailbox().id()).isEqualTo("noreply@contoso.example");
        assertThat(parsed.command().saveToSentItems()).isFalse();
        EmailMessage m = (EmailMessage) parsed.command().content();
        assertThat(m.subject()).isEqualTo("Digest <2025-01-06> ✓");
        assertThat(m.bodyType()).isEqualTo(BodyType.HTML);
        assertThat(m.bodyContent()).isEqualTo("<p>Hello &amp; welcome</p>");
        assertThat(m.to()).extracting(EmailAddress::address).containsExactly("alice@fabrikam.example");
        assertThat(m.bcc()).extracting(EmailAddress::address).containsExactly("audit@contoso.example");
        assertThat(m.attachments().get(0).content()).isEqualTo("agenda".getBytes());
        assertThat(m.textAlternative()).as("the text template travels with the HTML").isEqualTo("Hello & welcome");
    }

    @Test
    void givenMailTooLargeForAQueueMessage_thenCheckRefusesIt() {
        EnvelopeJobMailQueue envelopes = new EnvelopeJobMailQueue(queue);
        envelopes.check(mail(new byte[30_000]));
        assertThatThrownBy(() -> envelopes.check(mail(new byte[40_000])))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("a queue message takes at most 49152 (64 KB base64-encoded)");
        assertThat(enqueued).isEmpty();
    }
}
