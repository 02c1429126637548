package io.graphmailer.domain;

import java.util.regex.Pattern;

/** The GUID text form Microsoft uses for object ids and client-request-ids. */
public final class Guid {
    private static final Pattern PATTERN = Pattern.compile("[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}");

    private Guid() {
    }

    public static boolean isGuid(String text) {
        return text != null && PATTERN.matcher(text).matches();
    }
}
