package io.graphmailer.domain;

/** The mailbox, or an address that says who sends, is not one this deployment may send as. */
public class SenderNotAllowedException extends RuntimeException {
    private final String field;

    public SenderNotAllowedException(Mailbox mailbox) {
        this("mailbox", "mailbox '" + mailbox + "' is not an allowed sender");
    }

    public SenderNotAllowedException(String field, String message) {
        super(message);
        this.field = field;
    }

    /** The field at fault: {@code mailbox}, {@code message.from}, {@code mime.Sender}, ... */
    public String field() {
        return field;
    }
}
