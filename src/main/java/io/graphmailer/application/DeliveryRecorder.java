package io.graphmailer.application;

import io.graphmailer.application.port.out.DeliveryLog;
import io.graphmailer.domain.Attachment;
import io.graphmailer.domain.EmailAddress;
import io.graphmailer.domain.EmailMessage;
import io.graphmailer.domain.MimeContent;
import io.graphmailer.domain.SendMailCommand;
import io.graphmailer.domain.delivery.DeliveryEvent;
import io.graphmailer.domain.delivery.DeliveryFacts;
import io.graphmailer.domain.delivery.DeliveryRecord;
import io.graphmailer.domain.delivery.DeliveryState;
import io.graphmailer.domain.delivery.Origin;

import java.time.Clock;
import java.util.List;
import java.util.Optional;
import java.util.logging.Logger;
import java.util.stream.Stream;

/**
 * The use cases' writes to the {@link DeliveryLog}, best effort: a failed write is one warning (naming the tracking id
 * and the exception's type, never a body or an address) and never stops or fails the send.
 */
public final class DeliveryRecorder {
    private static final Logger LOG = Logger.getLogger(DeliveryRecorder.class.getName());
    private static final int MAX_REASON = 1_000;

    /** Records nothing: for use cases built without a log (tests of other concerns). */
    public static final DeliveryRecorder NONE = new DeliveryRecorder(null, false, Clock.systemUTC());

    private final DeliveryLog log;
    private final boolean recordRecipients;
    private final Clock clock;
    private final OrderedBackgroundWriter writer;

    /** Writes on the caller's thread (tests of the use cases, the CLI). */
    public DeliveryRecorder(DeliveryLog log, boolean recordRecipients, Clock clock) {
        this(log, recordRecipients, clock, null);
    }

    /**
     * @param recordRecipients whether the facts keep the recipients' addresses (GRAPH_MAILER_DELIVERY_LOG_RECORD_RECIPIENTS)
     * @param writer           where the writes run (in order, off the sending thread), null for the caller's thread: an
     *                         HTTP send does not wait for the log's several storage calls, nor for a slow store
     */
    public DeliveryRecorder(DeliveryLog log, boolean recordRecipients, Clock clock, OrderedBackgroundWriter writer) {
        this.log = log;
        this.recordRecipients = recordRecipients;
        this.clock = clock;
        this.writer = writer;
    }

    /** Waits, at most {@code max}, until the writes handed in so far are done: a read in this process then sees them. */
    public boolean flush(java.time.Duration max) {
        return writer == null || writer.flush(max);
    }

    /** The message was accepted from {@code origin}. */
    void accepted(String trackingId, SendMailCommand command, Origin origin) {
        if (log == null) {
            return;
        }
        DeliveryFacts facts = facts(command, origin);
        DeliveryEvent event = new DeliveryEvent(clock.instant(), DeliveryState.ACCEPTED, origin.trigger().name());
        write(trackingId, DeliveryState.ACCEPTED, () -> log.accepted(trackingId, facts, event));
    }

    /** Accepted unless the log knows the message already with its facts (a queue message accepted at its enqueue). */
    void acceptedOnFirstSight(String trackingId, SendMailCommand command, Origin origin) {
        if (log == null) {
            return;
        }
        DeliveryFacts facts = facts(command, origin);
        DeliveryEvent event = new DeliveryEvent(clock.instant(), DeliveryState.ACCEPTED, origin.trigger().name());
        write(trackingId, DeliveryState.ACCEPTED, () -> {
            Optional<DeliveryRecord> known = log.find(trackingId);
            if (known.isEmpty() || known.get().facts() == null) {
                log.accepted(trackingId, facts, event);
            }
        });
    }

    void event(String trackingId, DeliveryState state, String reason) {
        event(trackingId, state, reason, null);
    }

    void event(String trackingId, DeliveryState state, String reason, String graphRequestId) {
        if (log == null) {
            return;
        }
        String r = reason == null ? "" : reason.length() > MAX_REASON ? reason.substring(0, MAX_REASON) : reason;
        DeliveryEvent event = new DeliveryEvent(clock.instant(), state, r);
        write(trackingId, state, () -> log.record(trackingId, event, graphRequestId));
    }

    private void write(String trackingId, DeliveryState state, Runnable write) {
        Runnable guarded = () -> {
            try {
                write.run();
            } catch (RuntimeException e) {
                warn(trackingId, state, e);
            }
        };
        if (writer == null) {
            guarded.run();
        } else {
            writer.submit(guarded);
        }
    }

    private static void warn(String trackingId, DeliveryState state, RuntimeException e) {
        LOG.warning(() -> "delivery log: " + state + " of " + trackingId + " not recorded (" + e.getClass().getSimpleName()
                + "); the send goes on");
    }

    DeliveryFacts facts(SendMailCommand command, Origin origin) {
        List<String> recipients = List.of();
        if (recordRecipients && command.content() instanceof EmailMessage m) {
            recipients = Stream.of(m.to(), m.cc(), m.bcc()).flatMap(List::stream).map(EmailAddress::address).toList();
        } else if (recordRecipients && command.content() instanceof MimeContent mime) {
            recipients = mime.recipients().stream().map(EmailAddress::address).toList();
        }
        return new DeliveryFacts(command.mailbox().key(), origin.trigger(), origin.callerApp(), origin.idempotencyKey(),
                command.content().recipientCount(), size(command), recipients);
    }

    /** The message's size as accepted: the MIME bytes, or the body's characters plus the attachments' bytes (references once known). */
    static long size(SendMailCommand command) {
        if (command.content() instanceof MimeContent mime) {
            return mime.mime().length;
        }
        EmailMessage m = (EmailMessage) command.content();
        long size = m.bodyContent() == null ? 0 : m.bodyContent().length();
        for (Attachment a : m.attachments()) {
            size += Math.max(0, a.size());
        }
        return size;
    }
}
