package io.graphmailer.domain.budget;

import java.time.Duration;

/**
 * The per-mailbox limits Exchange Online and Graph count across every sender of the mailbox, with the problem code an
 * HTTP caller gets when one of them is reached.
 */
public enum BudgetLimit {
    /** Graph: about 4 concurrent requests per app and mailbox; SMTP AUTH: 3 connections per mailbox. */
    CONCURRENT_SENDS("MailboxRateLimited", Duration.ZERO),
    /** Exchange Online: 30 messages a minute per sending mailbox. */
    MESSAGES_PER_MINUTE("MailboxRateLimited", Duration.ofMinutes(1)),
    /** Exchange Online: 10,000 recipients (to + cc + bcc, not unique) in a rolling 24 hours; past it, NDR 5.1.90. */
    RECIPIENTS_PER_DAY("MailboxDailyQuotaReached", Duration.ofHours(24)),
    /** Graph: 10,000 requests per 10 minutes per app and mailbox. */
    GRAPH_REQUESTS("MailboxRateLimited", Duration.ofMinutes(10));

    private final String problemCode;
    private final Duration window;

    BudgetLimit(String problemCode, Duration window) {
        this.problemCode = problemCode;
        this.window = window;
    }

    /** The code a caller sees: {@code MailboxRateLimited} or {@code MailboxDailyQuotaReached}. */
    public String problemCode() {
        return problemCode;
    }

    /** The rolling window the limit is counted over (zero for the concurrency bound). */
    public Duration window() {
        return window;
    }

    /** The setting's name, as in {@code graph-mailer.budget.overrides} entries. */
    public String settingName() {
        return switch (this) {
            case CONCURRENT_SENDS -> "concurrent-sends";
            case MESSAGES_PER_MINUTE -> "messages-per-minute";
            case RECIPIENTS_PER_DAY -> "recipients-per-day";
            case GRAPH_REQUESTS -> "graph-requests-per-ten-minutes";
        };
    }
}
