package io.graphmailer.application.port.out;

import io.graphmailer.domain.SendMailCommand;
import io.graphmailer.domain.delivery.Origin;

import java.time.Duration;
import java.util.List;

/**
 * Where scheduled jobs put their messages: the outbox queue (so throttling, retries, the send ledger
 * and the dead-letter path apply unchanged), each message with its idempotency key.
 */
public interface JobMailQueue {

    /**
     * @param delay  how long the message stays invisible on the queue (the job's spread over the mailbox's budget)
     * @param origin the trigger and caller app the envelope carries to the queued send's delivery record
     */
    record JobMail(SendMailCommand command, String idempotencyKey, Duration delay, Origin origin) {
        public JobMail {
            if (delay == null || delay.isNegative()) {
                throw new IllegalArgumentException("a job mail's delay is zero or more");
            }
            origin = origin == null ? Origin.job(idempotencyKey) : origin.withIdempotencyKey(idempotencyKey);
        }

        /** A job's message. */
        public JobMail(SendMailCommand command, String idempotencyKey, Duration delay) {
            this(command, idempotencyKey, delay, null);
        }

        /** A job's message, visible at once. */
        public JobMail(SendMailCommand command, String idempotencyKey) {
            this(command, idempotencyKey, Duration.ZERO);
        }

        public JobMail withDelay(Duration later) {
            return new JobMail(command, idempotencyKey, later, origin);
        }
    }

    /** Refuses a message the queue could not carry (e.g. larger than a queue message), before anything is enqueued. */
    void check(JobMail mail);

    void enqueue(List<JobMail> batch);
}
