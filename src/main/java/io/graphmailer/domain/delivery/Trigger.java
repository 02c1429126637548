package io.graphmailer.domain.delivery;

/** How a message reached graph-mailer. */
public enum Trigger { HTTP, QUEUE, JOB }
