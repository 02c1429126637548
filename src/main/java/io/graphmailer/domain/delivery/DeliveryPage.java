package io.graphmailer.domain.delivery;

import java.util.List;

/** One page of records, newest first; {@code nextPageToken} null when there is no more. */
public record DeliveryPage(List<DeliveryRecord> records, String nextPageToken) {
    public DeliveryPage {
        records = List.copyOf(records);
    }
}
