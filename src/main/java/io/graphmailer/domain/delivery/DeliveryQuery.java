package io.graphmailer.domain.delivery;

import java.time.Instant;

/**
 * A page of delivery records: every filter is optional (null); {@code callerApp} null means every app's (an admin's
 * view). {@code pageToken} is the {@link DeliveryPage#nextPageToken()} of the page before, null for the first.
 */
public record DeliveryQuery(String mailbox, DeliveryState state, Instant since, Instant until, String callerApp, int pageSize,
                            String pageToken) {
    public static final int MAX_PAGE_SIZE = 100;

    public DeliveryQuery {
        if (pageSize < 1 || pageSize > MAX_PAGE_SIZE) {
            throw new IllegalArgumentException("pageSize must be between 1 and " + MAX_PAGE_SIZE);
        }
    }
}
