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

    /** @param recordRecipients whether the facts keep the recipients' addresses (GRAPH_MAILER_DELIVERY_LOG_RECORD_RECIPIENTS) */
    public DeliveryRecorder(DeliveryLog log, boolean recordRecipients, Clock clock) {
        this.log = log;
        this.recordRecipients = recordRecipients;
        this.clock = clock;
    }

    /** The message was accepted from {@code origin}. */
    void accepted(String trackingId, SendMailCommand command, Origin origin) {
        if (log == null) {
            return;
        }
        try {
            log.accepted(trackingId, facts(command, origin), new DeliveryEvent(clock.instant(), DeliveryState.ACCEPTED, origin.trigger().name()));
        } catch (RuntimeException e) {
            warn(trackingId, DeliveryState.ACCEPTED, e);
        }
    }

    /** Accepted unless the log knows the message already with its facts (a queue message accepted at its enqueue). */
    void acceptedOnFirstSight(String trackingId, SendMailCommand command, Origin origin) {
        if (log == null) {
            return;
        }
        try {
            Optional<DeliveryRecord> known = log.find(trackingId);
            if (known.isPresent() && known.get().facts() != null) {
                return;
            }
        } catch (RuntimeException e) {
            warn(trackingId, DeliveryState.ACCEPTED, e);
            return;
        }
        accepted(trackingId, command, origin);
    }

    void event(String trackingId, DeliveryState state, String reason) {
        event(trackingId, state, reason, null);
    }

    void event(String trackingId, DeliveryState state, String reason, String graphRequestId) {
        if (log == null) {
            return;
        }
        try {
            String r = reason == null ? "" : reason.length() > MAX_REASON ? reason.substring(0, MAX_REASON) : reason;
            log.record(trackingId, new DeliveryEvent(clock.instant(), state, r), graphRequestId);
        } catch (RuntimeException e) {
            warn(trackingId, state, e);
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
