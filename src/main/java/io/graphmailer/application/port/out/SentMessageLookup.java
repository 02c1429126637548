package io.graphmailer.application.port.out;

import io.graphmailer.domain.SendMailCommand;

/**
 * Looks in the sending mailbox for a message graph-mailer sent, by the tracking id it stamped into it: the answer to
 * "was the attempt whose outcome is unknown sent after all?".
 */
public interface SentMessageLookup {

    enum Found {
        /** The message is in Sent Items (or, for the draft path, its draft is still in Drafts or was sent). */
        FOUND,
        /** Looked, and it is not there. */
        ABSENT,
        /** Cannot look for this message: no permission, no Sent Items copy, a transport without a mailbox to search. */
        CANNOT_LOOK
    }

    /**
     * @param detail for {@link Found#CANNOT_LOOK} why not; otherwise what was searched
     */
    record Result(Found found, String detail) {
    }

    /**
     * @throws io.graphmailer.domain.MailTransportException TRANSIENT when the mailbox could not be searched right now
     */
    Result find(SendMailCommand command, String trackingId);

    SentMessageLookup NONE = (command, trackingId) -> new Result(Found.CANNOT_LOOK, "this transport has no mailbox to search");
}
