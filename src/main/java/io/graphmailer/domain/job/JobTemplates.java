package io.graphmailer.domain.job;

/**
 * Template sources of a job: the subject (rendered as plain text, one line), an HTML body
 * (values escaped), and a plain-text body. At least one body is required.
 */
public record JobTemplates(String subject, String html, String text) {
}
