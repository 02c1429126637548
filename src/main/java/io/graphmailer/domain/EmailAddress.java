package io.graphmailer.domain;

import java.net.IDN;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * A mailbox address with an optional display name, as Graph's {@code emailAddress}.
 * The address rule is deliberately close to what Exchange accepts: one {@code @}, a dot-atom
 * local part (or quoted), a domain of labels; no whitespace or control characters.
 */
public record EmailAddress(String address, String name) {
    private static final Pattern LOCAL = Pattern.compile("[A-Za-z0-9!#$%&'*+/=?^_`{|}~\\-]+(\\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~\\-]+)*");
    private static final Pattern DOMAIN = Pattern.compile("(?=.{1,253}$)([A-Za-z0-9]([A-Za-z0-9\\-]{0,61}[A-Za-z0-9])?\\.)+[A-Za-z0-9\\-]{2,63}");
    private static final Pattern UNICODE_DOMAIN = Pattern.compile("(?=.{1,253}$)([\\p{L}\\p{N}]([\\p{L}\\p{N}\\-]{0,61}[\\p{L}\\p{N}])?\\.)+[\\p{L}\\p{N}\\-]{2,63}");

    public static boolean isValid(String address) {
        if (address == null || address.length() > 320 || Violations.hasLineBreak(address)) {
            return false;
        }
        int at = address.lastIndexOf('@');
        if (at <= 0 || at == address.length() - 1 || address.indexOf('@') != at) {
            return false;
        }
        String local = address.substring(0, at);
        String domain = address.substring(at + 1);
        return local.length() <= 64 && LOCAL.matcher(local).matches()
                && (DOMAIN.matcher(domain).matches() || UNICODE_DOMAIN.matcher(domain).matches())
                && canonicalDomain(domain) != null;
    }

    /**
     * The one form addresses are compared in: the local part (ASCII only, see {@link #isValid}) and the domain
     * lower-cased, the domain in its IDNA ASCII form ({@code xn--...}). Null when {@code address} is not valid.
     */
    public static String canonical(String address) {
        if (!isValid(address)) {
            return null;
        }
        int at = address.lastIndexOf('@');
        return address.substring(0, at).toLowerCase(Locale.ROOT) + "@" + canonicalDomain(address.substring(at + 1));
    }

    /**
     * The domain's IDNA ASCII form, lower-cased; null when it has none or when a non-ASCII character would fold into
     * another spelling (U+212A KELVIN SIGN into 'k', fullwidth letters, U+0130): such a domain only looks like another.
     */
    static String canonicalDomain(String domain) {
        String ascii;
        try {
            ascii = IDN.toASCII(domain, IDN.USE_STD3_ASCII_RULES).toLowerCase(Locale.ROOT);
        } catch (IllegalArgumentException e) {
            return null;
        }
        boolean nonAscii = domain.chars().anyMatch(c -> c > 0x7f);
        if (nonAscii && !IDN.toUnicode(ascii).equals(lowerAscii(domain))) {
            return null;
        }
        return ascii;
    }

    private static String lowerAscii(String s) {
        StringBuilder sb = new StringBuilder(s.length());
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            sb.append(c >= 'A' && c <= 'Z' ? (char) (c + 32) : c);
        }
        return sb.toString();
    }

    /** Longest display name (Exchange's display-name limit is 256); also keeps the generated header lines short. */
    public static final int MAX_NAME_LENGTH = 255;

    /**
     * Validates into {@code violations} under {@code field}; returns null when invalid. Surrounding spaces are
     * ignored; control characters (CR, LF, tab, NUL, C1) are refused wherever they are, never trimmed away.
     */
    public static EmailAddress of(String address, String name, String field, Violations violations) {
        if (Violations.hasControl(address)) {
            violations.add(field + ".address", "must not contain control characters or line breaks");
            return null;
        }
        if (address == null || address.isBlank()) {
            violations.add(field + ".address", "is required");
            return null;
        }
        String trimmed = stripSpaces(address);
        if (!isValid(trimmed)) {
            violations.add(field + ".address", "is not a valid email address");
            return null;
        }
        if (!violations.singleLine(name, field + ".name")) {
            return null;
        }
        if (name != null && name.length() > MAX_NAME_LENGTH) {
            violations.add(field + ".name", "is longer than " + MAX_NAME_LENGTH + " characters");
            return null;
        }
        return new EmailAddress(trimmed, name == null || name.isBlank() ? null : name);
    }

    private static String stripSpaces(String s) {
        int start = 0;
        int end = s.length();
        while (start < end && s.charAt(start) == ' ') {
            start++;
        }
        while (end > start && s.charAt(end - 1) == ' ') {
            end--;
        }
        return s.substring(start, end);
    }

    /** Comparison key (Exchange addresses are case-insensitive): the {@link #canonical} form. */
    public String key() {
        String canonical = canonical(address);
        return canonical != null ? canonical : address.toLowerCase(Locale.ROOT);
    }

    /** The same address under another spelling (the allowlist's), keeping the display name. */
    public EmailAddress withAddress(String spelling) {
        return new EmailAddress(spelling, name);
    }
}
