package io.graphmailer.adapter.out.jobs;

import io.graphmailer.application.port.out.JobMailQueue;
import io.graphmailer.application.port.out.MailQueue;
import io.graphmailer.format.outbox.OutboxEnvelope;

import java.util.List;

/**
 * Scheduled jobs' mail as outbox envelopes (with the job's idempotency key) on the outbox queue, where the
 * queue-triggered function sends them like any other queued mail.
 */
public final class EnvelopeJobMailQueue implements JobMailQueue {
    private final MailQueue queue;

    /** @param queue the outbox queue bean; it connects on first use, so building this costs nothing */
    public EnvelopeJobMailQueue(MailQueue queue) {
        this.queue = queue;
    }

    @Override
    public void check(JobMail mail) {
        OutboxEnvelope.requireWritable(envelope(mail));
    }

    @Override
    public void enqueue(List<JobMail> batch) {
        for (JobMail mail : batch) {
            if (mail.delay().isZero()) {
                queue.enqueue(envelope(mail));
            } else {
                // Invisible until its slice of the mailbox's budget (the queue caps it at 7 days).
                queue.requeue(envelope(mail), mail.delay());
            }
        }
    }

    private static String envelope(JobMail mail) {
        return OutboxEnvelope.write(mail.command(), mail.idempotencyKey(), mail.origin());
    }
}
