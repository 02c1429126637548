package io.graphmailer.domain.job;

/** A file attached to every message of a job, read from {@code location} when the occurrence runs. */
public record AttachmentRef(String name, String location, String contentType) {
}
