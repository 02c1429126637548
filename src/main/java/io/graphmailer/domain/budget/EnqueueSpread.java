package io.graphmailer.domain.budget;

import java.time.Duration;
import java.time.Instant;

/**
 * When each message of a job occurrence may go out so that the occurrence stays within its mailbox's budget, starting
 * from the budget's use now: messages are put in per-minute slices of at most the messages-per-minute limit (and the
 * Graph request rate), and once today's remaining recipients are spent, the next messages wait for the 24-hour window
 * to free (one window, plus the minute the counts are kept in, per day). The result is each message's initial
 * invisibility on the queue, at most {@link #MAX_DELAY} (Azure Storage queues' visibility limit); the queue path's own
 * admission remains the authority and defers a message that still does not fit.
 */
public final class EnqueueSpread {
    /** Azure Storage queues keep a message invisible for at most 7 days; a minute is left for clock differences. */
    public static final Duration MAX_DELAY = Duration.ofDays(7).minusMinutes(1);
    private static final Duration DAY_WINDOW = BudgetLimit.RECIPIENTS_PER_DAY.window().plusMinutes(1);
    private static final Duration GRAPH_WINDOW = BudgetLimit.GRAPH_REQUESTS.window();

    private final MailboxLimits limits;
    private final Instant start;
    private int day;
    /** Messages placed in the current day (its slices count from the day's start). */
    private long inDay;
    private long recipientsInDay;
    private int recipientsLeftToday;
    private final int messagesBeforeStart;
    private final int graphBeforeStart;
    private Duration last = Duration.ZERO;
    private long messages;
    private long recipients;
    private long capped;

    /** @param usage the mailbox's budget use when the occurrence is enqueued (its {@code at} is time zero) */
    public EnqueueSpread(MailboxUsage usage) {
        this.limits = usage.limits();
        this.start = usage.at();
        this.recipientsLeftToday = Math.max(0, limits.recipientsPerDay() - usage.recipientsLastDay());
        this.messagesBeforeStart = usage.messagesLastMinute();
        this.graphBeforeStart = usage.graphRequestsLastTenMinutes();
    }

    /** The delay for the next message, which costs {@code cost}. */
    public Duration next(SendCost cost) {
        int left = day == 0 ? recipientsLeftToday : limits.recipientsPerDay();
        if (recipientsInDay + cost.recipients() > left && (recipientsInDay > 0 || day == 0)) {
            day++;
            inDay = 0;
            recipientsInDay = 0;
        }
        long slot = inDay + (day == 0 ? messagesBeforeStart : 0);
        Duration byRate = Duration.ofMinutes(slot / limits.messagesPerMinute());
        Duration byGraph = cost.graphRequests() == 0 ? Duration.ZERO
                : GRAPH_WINDOW.multipliedBy((slot + (day == 0 ? graphBeforeStart - messagesBeforeStart : 0)) / limits.graphRequestsPerTenMinutes());
        Duration delay = DAY_WINDOW.multipliedBy(day).plus(byRate.compareTo(byGraph) >= 0 ? byRate : byGraph);
        if (delay.compareTo(MAX_DELAY) > 0) {
            delay = MAX_DELAY;
            capped++;
        }
        inDay++;
        recipientsInDay += cost.recipients();
        messages++;
        recipients += cost.recipients();
        if (delay.compareTo(last) > 0) {
            last = delay;
        }
        return delay;
    }

    public long messages() {
        return messages;
    }

    public long recipients() {
        return recipients;
    }

    /** When the last message placed so far becomes visible on the queue. */
    public Instant lastMessageAt() {
        return start.plus(last);
    }

    /** The last message's delay from the start (the usage's time). */
    public Duration lastDelay() {
        return last;
    }

    /** Days after today the occurrence reaches into (0: all within today's remaining budget). */
    public int days() {
        return day;
    }

    /** Messages whose computed delay passed {@link #MAX_DELAY}: the queue path defers them again when they come up. */
    public long capped() {
        return capped;
    }

    public int recipientsLeftToday() {
        return recipientsLeftToday;
    }

    public MailboxLimits limits() {
        return limits;
    }
}
