package io.graphmailer.domain.job;

/**
 * What a job does with occurrences missed while nothing ran (host stopped, app down):
 * {@link #CATCH_UP} runs the most recent missed occurrence once (never each of them);
 * {@link #SKIP} drops them and waits for the next one.
 */
public enum PastDuePolicy { CATCH_UP, SKIP }
