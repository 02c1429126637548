package io.graphmailer.adapter.out.storage;

import com.azure.storage.queue.QueueClient;
import com.azure.storage.queue.models.QueueMessageItem;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.graphmailer.adapter.out.jobs.EnvelopeJobMailQueue;
import io.graphmailer.application.port.out.JobMailQueue.JobMail;
import io.graphmailer.domain.BodyType;
import io.graphmailer.domain.EmailAddress;
import io.graphmailer.domain.EmailMessage;
import io.graphmailer.domain.MailLimits;
import io.graphmailer.domain.Mailbox;
import io.graphmailer.domain.SendMailCommand;
import io.graphmailer.support.Azurite;
import io.graphmailer.support.FunctionsHostDriver;
import org.junit.jupiter.api.Test;

import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** A job's spread reaches Azure Storage: each slice's messages stay invisible on the outbox queue until their delay. */
class JobMailDelayTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    private static JobMail mail(String key, Duration delay) {
        EmailMessage m = new EmailMessage("Reminder", BodyType.TEXT, "hello", List.of(new EmailAddress("alice@fabrikam.example", null)),
                List.of(), List.of(), List.of(), null, null, List.of(), List.of(), List.of(), false, false);
        return new JobMail(new SendMailCommand(new Mailbox("noreply@contoso.example"), m, false, MailLimits.DEFAULT), key, delay);
    }

    private static List<String> receivedKeys(QueueClient q) throws Exception {
        List<String> keys = new ArrayList<>();
        for (QueueMessageItem item : q.receiveMessages(32)) {
            keys.add(JSON.readTree(item.getBody().toString()).path("idempotencyKey").asText());
        }
        return keys;
    }

    @Test
    void givenJobMailWithDelays_thenOnlyTheFirstSliceIsVisibleAndTheNextAppearsAfterItsDelay() throws Exception {
        FunctionsHostDriver.Queues queues = FunctionsHostDriver.Queues.empty(Azurite.shared().connectionString(), "gm-jobdelay");
        EnvelopeJobMailQueue jobs = new EnvelopeJobMailQueue(new StorageMailQueue(queues.outbox(), queues.deadLetter(), queues.poison(),
                Clock.systemUTC()));

        jobs.enqueue(List.of(mail("job|r|t|a", Duration.ZERO), mail("job|r|t|b", Duration.ZERO), mail("job|r|t|c", Duration.ofSeconds(3))));

        assertThat(receivedKeys(queues.outbox())).containsExactlyInAnyOrder("job|r|t|a", "job|r|t|b");
        Thread.sleep(3_500);
        assertThat(receivedKeys(queues.outbox())).containsExactly("job|r|t|c");
    }
}
