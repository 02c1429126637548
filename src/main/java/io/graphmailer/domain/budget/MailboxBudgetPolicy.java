package io.graphmailer.domain.budget;

import io.graphmailer.domain.Mailbox;
import io.graphmailer.domain.SendMailCommand;
import io.graphmailer.domain.SmtpMailboxes;

import java.util.Collection;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * The one place that says what a mailbox may send (its {@link MailboxLimits}) and what a message costs. Limits are the
 * settings' defaults (the concurrency bound depends on the mailbox's transport: Graph 4, SMTP AUTH 3), overridden per
 * mailbox by {@code mailbox/limit=value} entries; the recipient budget is Exchange's daily limit less the safety margin.
 */
public final class MailboxBudgetPolicy {
    private final MailboxLimits graphDefaults;
    private final int smtpConcurrentSends;
    private final int recipientsSafetyMargin;
    private final Map<String, Map<BudgetLimit, Integer>> overrides;
    private final SmtpMailboxes smtpMailboxes;

    /** Exchange Online's and Graph's published defaults, as {@link MailboxLimits} before the safety margin. */
    public static final MailboxLimits EXCHANGE_DEFAULTS = new MailboxLimits(4, 30, 10_000, 10_000);
    public static final int SMTP_CONCURRENT_SENDS = 3;
    public static final int DEFAULT_SAFETY_MARGIN = 500;

    /** The published defaults, no overrides, every mailbox on Graph. */
    public static MailboxBudgetPolicy defaults() {
        return new MailboxBudgetPolicy(EXCHANGE_DEFAULTS, SMTP_CONCURRENT_SENDS, DEFAULT_SAFETY_MARGIN, java.util.List.of(), SmtpMailboxes.NONE);
    }

    /**
     * @param exchangeDefaults     the limits as Exchange and Graph state them (recipients per day before the margin)
     * @param overrideEntries      {@code mailbox/limit=value}, limit one of {@link BudgetLimit#settingName()}
     * @throws IllegalArgumentException naming the entry when one is malformed or leaves a limit below 1
     */
    public MailboxBudgetPolicy(MailboxLimits exchangeDefaults, int smtpConcurrentSends, int recipientsSafetyMargin,
                               Collection<String> overrideEntries, SmtpMailboxes smtpMailboxes) {
        if (recipientsSafetyMargin < 0) {
            throw new IllegalArgumentException("recipients-safety-margin must not be negative");
        }
        this.recipientsSafetyMargin = recipientsSafetyMargin;
        this.graphDefaults = lessMargin(exchangeDefaults, "the default");
        if (smtpConcurrentSends < 1) {
            throw new IllegalArgumentException("concurrent-sends-smtp must be at least 1, not " + smtpConcurrentSends);
        }
        this.smtpConcurrentSends = smtpConcurrentSends;
        this.smtpMailboxes = smtpMailboxes;
        this.overrides = parse(overrideEntries);
        overrides.keySet().forEach(key -> limitsForKey(key, false)); // every override yields valid limits
    }

    public MailboxLimits limitsFor(Mailbox mailbox) {
        return limitsForKey(mailbox.key(), smtpMailboxes.routesToSmtp(mailbox));
    }

    /** Recipients are to + cc + bcc as Exchange counts them (not unique); one Graph request per Graph send. */
    public SendCost costOf(SendMailCommand command) {
        boolean smtp = smtpMailboxes.routesToSmtp(command.mailbox());
        return new SendCost(command.content().recipientCount(), smtp ? 0 : 1);
    }

    private MailboxLimits limitsForKey(String key, boolean smtp) {
        MailboxLimits limits = smtp ? graphDefaults.with(BudgetLimit.CONCURRENT_SENDS, smtpConcurrentSends) : graphDefaults;
        Map<BudgetLimit, Integer> own = overrides.get(key);
        if (own == null) {
            return limits;
        }
        for (Map.Entry<BudgetLimit, Integer> e : own.entrySet()) {
            int value = e.getKey() == BudgetLimit.RECIPIENTS_PER_DAY ? e.getValue() - recipientsSafetyMargin : e.getValue();
            if (value < 1) {
                throw new IllegalArgumentException("budget override for " + key + ": " + e.getKey().settingName() + "=" + e.getValue()
                        + (e.getKey() == BudgetLimit.RECIPIENTS_PER_DAY ? " less the safety margin " + recipientsSafetyMargin : "")
                        + " leaves nothing to send");
            }
            limits = limits.with(e.getKey(), value);
        }
        return limits;
    }

    private MailboxLimits lessMargin(MailboxLimits exchange, String which) {
        int left = exchange.recipientsPerDay() - recipientsSafetyMargin;
        if (left < 1) {
            throw new IllegalArgumentException(which + " recipients-per-day " + exchange.recipientsPerDay()
                    + " less the safety margin " + recipientsSafetyMargin + " leaves nothing to send");
        }
        return exchange.with(BudgetLimit.RECIPIENTS_PER_DAY, left);
    }

    private static Map<String, Map<BudgetLimit, Integer>> parse(Collection<String> entries) {
        Map<String, Map<BudgetLimit, Integer>> out = new LinkedHashMap<>();
        for (String raw : entries) {
            String entry = raw.trim();
            if (entry.isEmpty()) {
                continue;
            }
            int slash = entry.lastIndexOf('/');
            int eq = entry.indexOf('=', Math.max(slash, 0));
            if (slash < 1 || eq < slash + 2 || eq == entry.length() - 1) {
                throw new IllegalArgumentException("budget override '" + entry + "' is not mailbox/limit=value");
            }
            Mailbox mailbox;
            try {
                mailbox = new Mailbox(entry.substring(0, slash).trim());
            } catch (RuntimeException e) {
                throw new IllegalArgumentException("budget override '" + entry + "': " + entry.substring(0, slash).trim()
                        + " is not a mailbox address or object id");
            }
            String name = entry.substring(slash + 1, eq).trim().toLowerCase(Locale.ROOT);
            BudgetLimit limit = null;
            for (BudgetLimit l : BudgetLimit.values()) {
                if (l.settingName().equals(name)) {
                    limit = l;
                }
            }
            if (limit == null) {
                throw new IllegalArgumentException("budget override '" + entry + "': '" + name + "' is none of concurrent-sends,"
                        + " messages-per-minute, recipients-per-day, graph-requests-per-ten-minutes");
            }
            int value;
            try {
                value = Integer.parseInt(entry.substring(eq + 1).trim());
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("budget override '" + entry + "': the value is not a whole number");
            }
            out.computeIfAbsent(mailbox.key(), k -> new EnumMap<>(BudgetLimit.class)).put(limit, value);
        }
        return out;
    }
}
