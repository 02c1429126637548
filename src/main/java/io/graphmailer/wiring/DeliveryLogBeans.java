package io.graphmailer.wiring;

import io.graphmailer.adapter.out.storage.TableDeliveryLog;
import io.graphmailer.application.DeliveriesService;
import io.graphmailer.application.DeliveryRecorder;
import io.graphmailer.application.InMemoryDeliveryLog;
import io.graphmailer.application.RetentionPurge;
import io.graphmailer.application.port.in.DeliveriesUseCase;
import io.graphmailer.application.port.out.DeliveryLog;
import io.graphmailer.config.GraphMailerConfig;
import jakarta.enterprise.inject.Instance;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;

import java.time.Clock;
import java.util.Map;
import java.util.logging.Logger;

/**
 * The delivery log: the shared table whenever the app runs with storage (setting {@code auto}, as the budget's), this
 * process's memory in dev, with the outbox transport and without storage; the use cases' recorder, the read use case
 * and the retention purge the timer runs.
 */
@Singleton
public class DeliveryLogBeans {
    private static final Logger LOG = Logger.getLogger(DeliveryLogBeans.class.getName());
    /** Log writes waiting at most (about 1 KB each): beyond this, with the store down, new ones are dropped and counted. */
    private static final int WRITES_PENDING = 10_000;

    @Produces
    @Singleton
    DeliveryLog deliveryLog(GraphMailerConfig config, Instance<TableDeliveryLog> table) {
        boolean shared = sharedStore(config, System.getenv());
        LOG.info(() -> "delivery log: " + (shared ? "shared table " + config.deliveryLog().table() : "this process only (in memory)"));
        return shared ? table.get() : new InMemoryDeliveryLog(config.deliveryLog().memoryCapacity());
    }

    /** Whether the log is the shared table: {@code table}, or {@code auto} with storage and not the outbox transport. */
    static boolean sharedStore(GraphMailerConfig config, Map<String, String> env) {
        return SharedStores.shared(config.deliveryLog().store(), config, env);
    }

    @Produces
    @Singleton
    DeliveryRecorder deliveryRecorder(DeliveryLog log, GraphMailerConfig config) {
        return new DeliveryRecorder(log, config.deliveryLog().recordRecipients(), Clock.systemUTC(),
                new io.graphmailer.application.OrderedBackgroundWriter("graph-mailer-delivery-log", WRITES_PENDING));
    }

    /** At shutdown the pending log writes get a few seconds (the host gives the process a little more). */
    void flushOnShutdown(@jakarta.enterprise.inject.Disposes DeliveryRecorder recorder) {
        if (!recorder.flush(java.time.Duration.ofSeconds(5))) {
            LOG.warning("delivery log: writes still pending at shutdown were not recorded");
        }
    }

    @Produces
    @Singleton
    DeliveriesUseCase deliveries(DeliveryLog log, DeliveryRecorder recorder) {
        return new DeliveriesService(log, recorder);
    }

    /** Bounces: only with the setting on and the Graph transport (the Inbox is read through Graph). */
    @Produces
    @Singleton
    io.graphmailer.application.BounceScan bounceScan(GraphMailerConfig config, DeliveryLog log,
                                                     Instance<io.graphmailer.adapter.out.graph.GraphInboxReports> inbox) {
        boolean on = config.deliveryLog().bounces() && config.transport() == GraphMailerConfig.TransportKind.GRAPH;
        java.util.List<io.graphmailer.domain.Mailbox> mailboxes = on
                ? config.allowedSenders().stream().map(s -> new io.graphmailer.domain.Mailbox(s.trim())).toList() : java.util.List.of();
        return new io.graphmailer.application.BounceScan(on ? inbox.get() : (mailbox, since, max) -> java.util.List.of(), log, mailboxes);
    }

    @Produces
    @Singleton
    RetentionPurge retentionPurge(DeliveryLog log, GraphMailerConfig config) {
        return new RetentionPurge(log, config.deliveryLog().retention());
    }
}
