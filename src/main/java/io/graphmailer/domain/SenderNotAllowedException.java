package io.graphmailer.domain;

/** The mailbox is not on the configured allowlist of senders. */
public class SenderNotAllowedException extends RuntimeException {
    public SenderNotAllowedException(Mailbox mailbox) {
        super("mailbox '" + mailbox + "' is not an allowed sender");
    }
}
