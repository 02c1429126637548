package io.graphmailer.application.port.out;

import io.graphmailer.domain.Mailbox;

import java.time.Instant;
import java.util.List;

/** A mailbox's Inbox, read for non-delivery reports (needs Graph Mail.Read on the mailbox). */
public interface InboxReports {

    /** A message received in the Inbox: when, and its body as text or HTML. */
    record InboxMessage(Instant receivedAt, String body) {
    }

    /** The Inbox messages received at or after {@code since}, oldest first, at most {@code max}. */
    List<InboxMessage> receivedSince(Mailbox mailbox, Instant since, int max);
}
