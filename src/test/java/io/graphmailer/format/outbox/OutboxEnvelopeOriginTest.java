package io.graphmailer.format.outbox;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.graphmailer.domain.EmailAddress;
import io.graphmailer.domain.EmailMessage;
import io.graphmailer.domain.MailLimits;
import io.graphmailer.domain.Mailbox;
import io.graphmailer.domain.QueuedMail;
import io.graphmailer.domain.SendMailCommand;
import io.graphmailer.domain.BodyType;
import io.graphmailer.domain.delivery.Origin;
import io.graphmailer.domain.delivery.Trigger;
import io.graphmailer.format.graph.SendMailRequestParser;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** The envelope's optional origin: graph-mailer's producers name theirs; older and outside envelopes read as QUEUE. */
class OutboxEnvelopeOriginTest {
    private final OutboxEnvelope envelopes = new OutboxEnvelope(new SendMailRequestParser(MailLimits.DEFAULT));

    private static SendMailCommand command() {
        EmailMessage m = new EmailMessage("s", BodyType.TEXT, "c", List.of(new EmailAddress("ops@fabrikam.example", null)), List.of(),
                List.of(), List.of(), null, null, List.of(), List.of(), List.of(), false, false);
        return new SendMailCommand(new Mailbox("noreply@contoso.example"), m, true, MailLimits.DEFAULT);
    }

    @Test
    void givenAJobsEnvelope_thenItReadsBackAsTriggerJobWithItsKey() {
        QueuedMail mail = envelopes.read(OutboxEnvelope.write(command(), "job:k1", Origin.job("job:k1")));
        assertThat(mail.origin()).isEqualTo(new Origin(Trigger.JOB, null, "job:k1"));
    }

    @Test
    void givenARespondAsyncEnvelope_thenTheCallerAppTravelsAndSurvivesTheNextAttemptAndTheProducersCopy() throws Exception {
        String written = OutboxEnvelope.write(command(), "http-async:x", Origin.http("app-1", "http-async:x"));
        String next = OutboxEnvelope.nextAttempt(written, "http-async:x", 2);
        QueuedMail mail = envelopes.read(next);
        assertThat(mail.origin()).isEqualTo(new Origin(Trigger.HTTP, "app-1", "http-async:x"));
        assertThat(mail.attempt()).isEqualTo(2);
        // What goes to the dead-letter queue (and a replay) is the producer's envelope: it keeps the origin.
        assertThat(new ObjectMapper().readTree(mail.original()).path("origin").path("callerApp").asText()).isEqualTo("app-1");
    }

    @Test
    void givenAnEnvelopeWithoutOrWithAnUnreadableOrigin_thenItIsAnOutsideProducersAndStillSendable() {
        String plain = OutboxEnvelope.write(command(), "k2");
        assertThat(plain).doesNotContain("origin");
        assertThat(envelopes.read(plain).origin()).isEqualTo(new Origin(Trigger.QUEUE, null, "k2"));
        String odd = plain.replace("\"idempotencyKey\"", "\"origin\":{\"trigger\":\"FAX\",\"callerApp\":7},\"idempotencyKey\"");
        QueuedMail mail = envelopes.read(odd);
        assertThat(mail.origin().trigger()).isEqualTo(Trigger.QUEUE);
        assertThat(mail.command().mailbox().key()).isEqualTo("noreply@contoso.example");
    }
}
