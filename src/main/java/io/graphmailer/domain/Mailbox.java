package io.graphmailer.domain;

import java.util.Locale;

/** The mailbox mail is sent as: a user principal name / SMTP address or a user object id. */
public record Mailbox(String id) {

    public Mailbox {
        if (id == null || !(EmailAddress.isValid(id) || Guid.isGuid(id))) {
            throw new InvalidMailException("mailbox", "must be a mailbox address (UPN) or a user object id");
        }
    }

    /**
     * The one form mailboxes are compared in: object ids lower-cased; addresses as {@link EmailAddress#canonical}
     * (ASCII local part, domain lower-cased in its IDNA form). Compare mailboxes only through this.
     */
    public String key() {
        return isObjectId() ? id.toLowerCase(Locale.ROOT) : EmailAddress.canonical(id);
    }

    public boolean isObjectId() {
        return Guid.isGuid(id);
    }

    @Override
    public String toString() {
        return id;
    }
}
