package io.graphmailer.domain.budget;

/**
 * One mailbox's budget. {@code recipientsPerDay} is what graph-mailer lets through, i.e. Exchange's limit less the
 * safety margin (other applications may send as the same mailbox).
 */
public record MailboxLimits(int concurrentSends, int messagesPerMinute, int recipientsPerDay, int graphRequestsPerTenMinutes) {

    public MailboxLimits {
        positive(concurrentSends, BudgetLimit.CONCURRENT_SENDS);
        positive(messagesPerMinute, BudgetLimit.MESSAGES_PER_MINUTE);
        positive(recipientsPerDay, BudgetLimit.RECIPIENTS_PER_DAY);
        positive(graphRequestsPerTenMinutes, BudgetLimit.GRAPH_REQUESTS);
    }

    private static void positive(int value, BudgetLimit limit) {
        if (value < 1) {
            throw new IllegalArgumentException(limit.settingName() + " must be at least 1, not " + value);
        }
    }

    public int of(BudgetLimit limit) {
        return switch (limit) {
            case CONCURRENT_SENDS -> concurrentSends;
            case MESSAGES_PER_MINUTE -> messagesPerMinute;
            case RECIPIENTS_PER_DAY -> recipientsPerDay;
            case GRAPH_REQUESTS -> graphRequestsPerTenMinutes;
        };
    }

    public MailboxLimits with(BudgetLimit limit, int value) {
        return new MailboxLimits(
                limit == BudgetLimit.CONCURRENT_SENDS ? value : concurrentSends,
                limit == BudgetLimit.MESSAGES_PER_MINUTE ? value : messagesPerMinute,
                limit == BudgetLimit.RECIPIENTS_PER_DAY ? value : recipientsPerDay,
                limit == BudgetLimit.GRAPH_REQUESTS ? value : graphRequestsPerTenMinutes);
    }
}
