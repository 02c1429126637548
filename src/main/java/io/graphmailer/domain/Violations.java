package io.graphmailer.domain;

import java.util.ArrayList;
import java.util.List;

/** Collects violations so a caller sees every problem of a request at once. */
public final class Violations {
    private final List<Violation> list = new ArrayList<>();

    public Violations add(String field, String message) {
        list.add(new Violation(field, message));
        return this;
    }

    public boolean isEmpty() {
        return list.isEmpty();
    }

    public void throwIfAny() {
        if (!list.isEmpty()) {
            throw new InvalidMailException(list);
        }
    }

    /** True when the value contains a CR or LF, which would allow header injection. */
    public static boolean hasLineBreak(String value) {
        return value != null && (value.indexOf('\r') >= 0 || value.indexOf('\n') >= 0);
    }

    /** True when the value contains a C0 or C1 control character or DEL, tab included, anywhere (never trimmed away). */
    public static boolean hasControl(String value) {
        return firstControl(value, false) >= 0;
    }

    /** As {@link #hasControl} but a horizontal tab is allowed (it is whitespace in unstructured header text). */
    public static boolean hasControlOtherThanTab(String value) {
        return firstControl(value, true) >= 0;
    }

    private static int firstControl(String value, boolean tabAllowed) {
        if (value == null) {
            return -1;
        }
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if ((c < 0x20 && !(tabAllowed && c == '\t')) || (c >= 0x7f && c <= 0x9f)) {
                return i;
            }
        }
        return -1;
    }

    /** True when the value holds half of a UTF-16 surrogate pair: not Unicode text, and not encodable as UTF-8. */
    public static boolean hasUnpairedSurrogate(String value) {
        if (value == null) {
            return false;
        }
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (Character.isHighSurrogate(c)) {
                if (i + 1 < value.length() && Character.isLowSurrogate(value.charAt(i + 1))) {
                    i++;
                    continue;
                }
                return true;
            }
            if (Character.isLowSurrogate(c)) {
                return true;
            }
        }
        return false;
    }

    /**
     * Checks a single-line text value (subject, display name, header value, category): no control character but tab,
     * valid Unicode. Adds a violation and returns false when it is not.
     */
    public boolean singleLine(String value, String field) {
        if (hasLineBreak(value)) {
            add(field, "must not contain line breaks");
            return false;
        }
        if (hasControlOtherThanTab(value)) {
            add(field, "must not contain control characters");
            return false;
        }
        if (hasUnpairedSurrogate(value)) {
            add(field, "is not valid Unicode text (unpaired surrogate)");
            return false;
        }
        return true;
    }
}
