package io.graphmailer.domain;

/** A custom internet message header; Graph only allows names starting with {@code x-}. */
public record Header(String name, String value) {
}
