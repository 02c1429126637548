package io.graphmailer.application;

import io.graphmailer.application.port.in.ProcessQueuedMailUseCase;
import io.graphmailer.application.port.out.Telemetry;
import io.graphmailer.domain.QueueOutcome;
import io.graphmailer.domain.QueuedMail;
import io.graphmailer.domain.TrackingId;

import java.time.Duration;
import java.time.Instant;
import java.util.Locale;

/** The queue use case with its outcome metrics: how each message ended, the waits for a limit, unknown outcomes. */
public final class MeasuredQueuedMail implements ProcessQueuedMailUseCase {
    private final ProcessQueuedMailUseCase useCase;
    private final Telemetry telemetry;

    public MeasuredQueuedMail(ProcessQueuedMailUseCase useCase, Telemetry telemetry) {
        this.useCase = useCase;
        this.telemetry = telemetry;
    }

    @Override
    public QueueOutcome process(QueuedMail mail) {
        return process(mail, null);
    }

    /** With the message's tracking id and mailbox in scope of every outbound call inside, and its age measured. */
    @Override
    public QueueOutcome process(QueuedMail mail, Instant insertedAt) {
        String mailbox = mail.command().mailbox().key();
        Duration age = insertedAt == null ? null : Duration.between(insertedAt, Instant.now());
        try (Telemetry.Scope scope = telemetry.queueMessage(TrackingId.fromIdempotencyKey(mail.idempotencyKey()), mailbox, age)) {
            QueueOutcome outcome = useCase.process(mail);
            record(outcome, mailbox);
            return outcome;
        }
    }

    @Override
    public QueueOutcome reject(String original, String code, String reason) {
        QueueOutcome outcome = useCase.reject(original, code, reason);
        telemetry.queueOutcome(name(outcome), code);
        return outcome;
    }

    private void record(QueueOutcome outcome, String mailbox) {
        String detail = outcome.detail() == null ? "" : outcome.detail();
        switch (outcome.kind()) {
            case DEFERRED -> {
                if (outcome.waitingFor() != null) {
                    telemetry.waitingForLimit(mailbox, outcome.waitingFor());
                }
            }
            case VERIFIED_SENT -> telemetry.unknownOutcome("verified-sent");
            case PARKED -> telemetry.unknownOutcome("parked");
            default -> {
            }
        }
        // The code of a requeue is the error code; other details are sentences, not attribute values.
        telemetry.queueOutcome(name(outcome), outcome.kind() == QueueOutcome.Kind.REQUEUED ? detail : "");
    }

    private static String name(QueueOutcome outcome) {
        return outcome.kind().name().toLowerCase(Locale.ROOT).replace('_', '-');
    }
}
