package io.graphmailer.wiring;

import io.graphmailer.application.DeadLetterService;
import io.graphmailer.application.port.in.DeadLetterUseCase;
import io.graphmailer.application.port.out.DeadLetterStore;
import io.graphmailer.application.port.out.DeliveryLog;
import io.graphmailer.application.port.out.MailQueue;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;

import java.time.Clock;

/** Dead-letter operations (HTTP and the {@code deadletter} command): over the side queues of the outbox queue. */
@Singleton
public class DeadLetterBeans {
    @Produces
    @Singleton
    DeadLetterUseCase deadLetters(DeadLetterStore store, MailQueue outbox, DeliveryLog deliveryLog,
                                  io.graphmailer.application.port.out.Telemetry telemetry) {
        return new DeadLetterService(store, outbox, deliveryLog, DeadLetterService.Settings.DEFAULTS, Clock.systemUTC(), telemetry);
    }
}
