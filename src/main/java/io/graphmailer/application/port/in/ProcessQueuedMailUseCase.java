package io.graphmailer.application.port.in;

import io.graphmailer.domain.QueueOutcome;
import io.graphmailer.domain.QueuedMail;

/** Sends one outbox queue message at most once, or keeps it with the reason. */
public interface ProcessQueuedMailUseCase {

    QueueOutcome process(QueuedMail mail);

    /** {@link #process(QueuedMail)} of a message the queue holds since {@code insertedAt} (null when the host did not say). */
    default QueueOutcome process(QueuedMail mail, java.time.Instant insertedAt) {
        return process(mail);
    }

    /** A message that cannot become a command (bad JSON, unknown version, bad field): kept, never retried. */
    QueueOutcome reject(String original, String code, String reason);
}
