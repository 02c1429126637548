package io.graphmailer.domain;

/** One reason a request cannot be sent, naming the field at fault (JSON-pointer-like path). */
public record Violation(String field, String message) {
}
