package io.graphmailer.domain;

/**
 * Proof that a transport accepted the message; {@code trackingId} is sent to Graph as client-request-id,
 * {@code graphRequestId} is Graph's {@code request-id} of the call that sent it (null for SMTP, the outbox, or unknown).
 */
public record SendReceipt(String trackingId, String graphRequestId) {
    public SendReceipt(String trackingId) {
        this(trackingId, null);
    }
}
