package io.graphmailer.domain;

import java.util.Locale;
import java.util.regex.Pattern;

/** The mailbox mail is sent as: a user principal name / SMTP address or a user object id. */
public record Mailbox(String id) {
    private static final Pattern GUID = Pattern.compile("[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}");

    public Mailbox {
        if (id == null || !(EmailAddress.isValid(id) || GUID.matcher(id).matches())) {
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
