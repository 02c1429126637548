package io.graphmailer.domain;

/**
 * An address that says who sends a message, with the field it came from ({@code message.from}, {@code mime.Sender},
 * ...), so a refusal can name it.
 */
public record SenderAddress(String field, EmailAddress address) {
}
