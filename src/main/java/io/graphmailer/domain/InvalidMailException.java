package io.graphmailer.domain;

import java.util.List;

/** The request would be refused by Graph or Exchange; nothing was sent. */
public class InvalidMailException extends RuntimeException {
    private final transient List<Violation> violations;

    public InvalidMailException(List<Violation> violations) {
        super(violations.isEmpty() ? "invalid mail" : violations.get(0).field() + ": " + violations.get(0).message());
        this.violations = List.copyOf(violations);
    }

    public InvalidMailException(String field, String message) {
        this(List.of(new Violation(field, message)));
    }

    public List<Violation> violations() {
        return violations;
    }
}
