package io.graphmailer.application.port.out;

import io.graphmailer.domain.SendMailCommand;

import java.util.List;

/**
 * Where scheduled jobs put their messages: the outbox queue (so throttling, retries, the send ledger
 * and the dead-letter path apply unchanged), each message with its idempotency key.
 */
public interface JobMailQueue {

    record JobMail(SendMailCommand command, String idempotencyKey) {
    }

    /** Refuses a message the queue could not carry (e.g. larger than a queue message), before anything is enqueued. */
    void check(JobMail mail);

    void enqueue(List<JobMail> batch);
}
