package io.graphmailer.application;

import io.graphmailer.application.port.out.DeliveryLog;
import io.graphmailer.application.port.out.InboxReports;
import io.graphmailer.domain.Mailbox;
import io.graphmailer.domain.delivery.DeliveryEvent;
import io.graphmailer.domain.delivery.DeliveryRecord;
import io.graphmailer.domain.delivery.DeliveryState;
import io.graphmailer.domain.delivery.NonDeliveryReport;

import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.logging.Logger;

/**
 * Bounces (GRAPH_MAILER_DELIVERY_LOG_BOUNCES): on the timer's tick, each allowed mailbox's Inbox is read for the messages
 * received since the last look, and a non-delivery report that answers a message the delivery log knows marks its record
 * BOUNCED with the report's status code. A failed read is a warning; the next tick looks again from the same time.
 */
public final class BounceScan {
    private static final Logger LOG = Logger.getLogger(BounceScan.class.getName());
    /** How far back the first look of a process goes. */
    static final Duration FIRST_LOOK = Duration.ofHours(1);
    static final int MAX_PER_TICK = 200;

    private final InboxReports inbox;
    private final DeliveryLog log;
    private final List<Mailbox> mailboxes;
    private final Map<String, Instant> lastLook = new HashMap<>();

    public BounceScan(InboxReports inbox, DeliveryLog log, List<Mailbox> mailboxes) {
        this.inbox = inbox;
        this.log = log;
        this.mailboxes = List.copyOf(mailboxes);
    }

    /** @return how many records were marked bounced; never throws */
    public synchronized int scan(Instant now) {
        int bounced = 0;
        for (Mailbox mailbox : mailboxes) {
            Instant since = lastLook.getOrDefault(mailbox.key(), now.minus(FIRST_LOOK));
            try {
                Instant newest = since;
                for (InboxReports.InboxMessage m : inbox.receivedSince(mailbox, since, MAX_PER_TICK)) {
                    if (m.receivedAt().isAfter(newest)) {
                        newest = m.receivedAt();
                    }
                    Optional<NonDeliveryReport.Bounce> bounce = NonDeliveryReport.read(m.body());
                    if (bounce.isPresent() && mark(bounce.get(), m.receivedAt())) {
                        bounced++;
                    }
                }
                lastLook.put(mailbox.key(), newest);
            } catch (RuntimeException e) {
                LOG.warning(() -> "bounces: the Inbox of " + mailbox + " was not read (" + e.getClass().getSimpleName()
                        + "); looked at again at the next tick");
            }
        }
        return bounced;
    }

    private boolean mark(NonDeliveryReport.Bounce bounce, Instant at) {
        Optional<DeliveryRecord> known = log.find(bounce.trackingId());
        if (known.isEmpty() || known.get().state() == DeliveryState.BOUNCED) {
            return false; // not one of ours (or purged), or marked already by an earlier look
        }
        // At the later of the report's arrival and the record's last change: the bounce is the record's state now.
        Instant when = at.isAfter(known.get().updatedAt()) ? at : known.get().updatedAt().plusMillis(1);
        log.record(bounce.trackingId(), new DeliveryEvent(when, DeliveryState.BOUNCED, bounce.statusCode()), null);
        LOG.info(() -> "bounces: " + bounce.trackingId() + " bounced (" + bounce.statusCode() + ")");
        return true;
    }
}
