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
}
