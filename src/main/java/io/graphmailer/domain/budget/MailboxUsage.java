package io.graphmailer.domain.budget;

import java.time.Instant;
import java.util.Map;

/**
 * A mailbox's budget and its use at {@code at}: sends in flight, messages in the last minute, recipients in the last
 * 24 hours, Graph requests in the last 10 minutes, and for each limit when one more unit is free (absent: free now).
 */
public record MailboxUsage(MailboxLimits limits, Instant at, int inFlight, int messagesLastMinute, int recipientsLastDay,
                           int graphRequestsLastTenMinutes, Map<BudgetLimit, Instant> nextFree) {
    public MailboxUsage {
        nextFree = Map.copyOf(nextFree);
    }

    public int used(BudgetLimit limit) {
        return switch (limit) {
            case CONCURRENT_SENDS -> inFlight;
            case MESSAGES_PER_MINUTE -> messagesLastMinute;
            case RECIPIENTS_PER_DAY -> recipientsLastDay;
            case GRAPH_REQUESTS -> graphRequestsLastTenMinutes;
        };
    }

    /** Share of the daily recipient budget used, 0..1 (the doctor warns at 0.8). */
    public double dailyShare() {
        return (double) recipientsLastDay / limits.recipientsPerDay();
    }
}
