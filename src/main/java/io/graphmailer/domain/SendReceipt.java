package io.graphmailer.domain;

/** Proof that a transport accepted the message; {@code trackingId} is sent to Graph as client-request-id. */
public record SendReceipt(String trackingId) {
}
