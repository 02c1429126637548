package io.graphmailer.adapter.out.smtp;

import io.graphmailer.domain.EmailMessage;
import io.graphmailer.domain.Mailbox;

/**
 * Saves a copy of a message already sent by SMTP to the mailbox's Sent Items (through Graph). Optional:
 * Exchange may already keep SMTP AUTH submissions there.
 */
@FunctionalInterface
public interface SentItemsCopy {

    /** @throws RuntimeException when the copy could not be saved; the message has been sent either way */
    void save(Mailbox mailbox, EmailMessage message, String trackingId);
}
