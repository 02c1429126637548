package io.graphmailer.wiring;

import io.graphmailer.application.InMemoryDeliveryLog;
import io.graphmailer.application.port.out.DeliveryLog;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;

/** The delivery log: this process's memory for now (the shared table store comes with issue 14's ledger work). */
@Singleton
public class DeliveryLogBeans {
    @Produces
    @Singleton
    DeliveryLog deliveryLog() {
        return new InMemoryDeliveryLog(10_000);
    }
}
