package io.graphmailer.domain;

import java.util.Locale;
import java.util.regex.Pattern;

/**
 * An attachment's {@code contentType}, checked with RFC 2045's grammar ({@code type/subtype} and
 * {@code ; name=value} parameters, tokens or quoted strings, ASCII only) before any MIME is built, so the
 * MIME builder never meets a type it cannot parse. Container types are refused: an attachment is a file,
 * and a {@code multipart/*} or {@code message/*} part would make the builder read the bytes as MIME structure.
 */
public final class ContentTypes {
    public static final int MAX_LENGTH = 255;
    /** RFC 2045 token: printable ASCII except space and tspecials {@code ()<>@,;:\"/[]?=}. */
    private static final String TOKEN = "[!#$%&'*+\\-.0-9A-Z^_`a-z{|}~]+";
    private static final String QUOTED = "\"(?:[\\x20\\x21\\x23-\\x5b\\x5d-\\x7e]|\\\\[\\x20-\\x7e])*\"";
    private static final Pattern GRAMMAR = Pattern.compile(
            " *(" + TOKEN + ")/" + TOKEN + " *(?:; *" + TOKEN + "=(?:" + TOKEN + "|" + QUOTED + ") *)*");

    private ContentTypes() {
    }

    /** Why {@code value} is not an acceptable attachment content type, or null when it is. */
    public static String whyNot(String value) {
        if (value == null) {
            return null;
        }
        if (value.length() > MAX_LENGTH) {
            return "is longer than " + MAX_LENGTH + " characters";
        }
        var m = GRAMMAR.matcher(value);
        if (!m.matches()) {
            return "is not a MIME type (type/subtype, e.g. application/pdf, with optional ; name=value parameters)";
        }
        String top = m.group(1).toLowerCase(Locale.ROOT);
        if (top.equals("multipart") || top.equals("message")) {
            return "must be a file type; multipart/* and message/* are not allowed for an attachment";
        }
        return null;
    }
}
