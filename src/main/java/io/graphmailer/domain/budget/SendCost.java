package io.graphmailer.domain.budget;

/** What one message takes from its mailbox's budget: its recipients (to + cc + bcc) and the Graph requests it makes. */
public record SendCost(int recipients, int graphRequests) {
    public SendCost {
        if (recipients < 0 || graphRequests < 0) {
            throw new IllegalArgumentException("a send cost is never negative");
        }
    }
}
