package io.graphmailer.domain;

import java.util.Locale;

/** The mailbox mail is sent as: a user principal name / SMTP address or a user object id. */
public record Mailbox(String id) {

    public Mailbox {
        if (id == null || !(EmailAddress.isValid(id) || Guid.isGuid(id))) {
            throw new InvalidMailException("mailbox", "must be a mailbox address (UPN) or a user object id");
        }
    }

    /** Case-insensitive key, as Exchange treats addresses. */
    public String key() {
        return id.toLowerCase(Locale.ROOT);
    }

    @Override
    public String toString() {
        return id;
    }
}
