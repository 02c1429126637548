package io.graphmailer.adapter.in.http;

import java.util.UUID;

/**
 * Graph's response ids: {@code request-id} is ours (a new GUID per request, the tracking id of an accepted message),
 * {@code client-request-id} echoes the caller's, or repeats {@code request-id} when the caller sent none.
 */
public final class RequestIds {
    public static final String REQUEST_ID = "request-id";
    public static final String CLIENT_REQUEST_ID = "client-request-id";
    private static final int MAX_ECHO = 128;

    private RequestIds() {
    }

    public static String newId() {
        return UUID.randomUUID().toString();
    }

    /** The caller's id as given when it is one short token of visible ASCII (safe in a header and a log line). */
    public static String echo(String callerId, String requestId) {
        if (callerId == null || callerId.isEmpty() || callerId.length() > MAX_ECHO) {
            return requestId;
        }
        for (int i = 0; i < callerId.length(); i++) {
            char c = callerId.charAt(i);
            if (c < 0x21 || c > 0x7e) {
                return requestId;
            }
        }
        return callerId;
    }
}
