package io.graphmailer.domain.budget;

import io.graphmailer.domain.Mailbox;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Supplier;

/**
 * One mailbox's budget state and the one place that decides whether a send fits. Every store keeps this state (the
 * in-memory store in a map, the shared store as one entity updated with a conditional write) and asks it.
 *
 * <p>State: the concurrency slots held (each with the time it expires if its instance dies), the times of the messages
 * of the last minute, and per-minute counts of recipients (24 hours) and Graph requests (10 minutes). A per-minute
 * count stays in its window until the end of its minute plus the window, so the rolling counts are never low (they can
 * be high by at most one minute's worth). {@link #encode()} is the stored form.
 */
public final class BudgetWindow {
    /** When all slots are taken, look again after this long (a send usually ends within it); never after a slot expires. */
    static final Duration CONCURRENCY_RECHECK = Duration.ofSeconds(1);
    private static final long MINUTE_MS = 60_000L;
    private static final String VERSION = "v1";

    private final LinkedHashMap<String, Long> slots = new LinkedHashMap<>();
    private final List<Long> messages = new ArrayList<>();
    private final TreeMap<Long, Integer> recipientMinutes = new TreeMap<>();
    private final TreeMap<Long, Integer> graphMinutes = new TreeMap<>();

    public static BudgetWindow empty() {
        return new BudgetWindow();
    }

    /**
     * Admits the send if it fits every limit now, counting it (a slot, a message, its recipients and Graph requests).
     *
     * @param slotLease how long the slot is held if the permit is never released (its instance died)
     */
    public Admission admit(Mailbox mailbox, MailboxLimits limits, SendCost cost, Instant now, Duration slotLease,
                           Supplier<String> slotIds) {
        long t = now.toEpochMilli();
        prune(t);
        if (cost.recipients() > limits.recipientsPerDay()) {
            return new Admission.Refused(BudgetLimit.RECIPIENTS_PER_DAY, mailbox + ": the message has " + cost.recipients()
                    + " recipients; the mailbox's budget is " + limits.recipientsPerDay() + " recipients per 24 hours");
        }
        if (cost.graphRequests() > limits.graphRequestsPerTenMinutes()) {
            return new Admission.Refused(BudgetLimit.GRAPH_REQUESTS, mailbox + ": the message needs " + cost.graphRequests()
                    + " Graph requests; the mailbox's budget is " + limits.graphRequestsPerTenMinutes() + " per 10 minutes");
        }
        if (slots.size() >= limits.concurrentSends()) {
            long recheck = Math.min(t + CONCURRENCY_RECHECK.toMillis(), earliestSlotExpiry());
            return wait(BudgetLimit.CONCURRENT_SENDS, recheck, mailbox + ": " + slots.size() + " sends in flight, the limit is "
                    + limits.concurrentSends());
        }
        if (messages.size() >= limits.messagesPerMinute()) {
            long until = messages.get(messages.size() - limits.messagesPerMinute()) + MINUTE_MS;
            return wait(BudgetLimit.MESSAGES_PER_MINUTE, until, mailbox + ": " + messages.size()
                    + " messages in the last minute, the limit is " + limits.messagesPerMinute());
        }
        Long recipientsFree = freeAt(recipientMinutes, limits.recipientsPerDay(), cost.recipients(), BudgetLimit.RECIPIENTS_PER_DAY);
        if (recipientsFree != null) {
            return wait(BudgetLimit.RECIPIENTS_PER_DAY, recipientsFree, mailbox + ": " + sum(recipientMinutes)
                    + " recipients in the last 24 hours; " + cost.recipients() + " more would pass the budget of " + limits.recipientsPerDay());
        }
        Long graphFree = freeAt(graphMinutes, limits.graphRequestsPerTenMinutes(), cost.graphRequests(), BudgetLimit.GRAPH_REQUESTS);
        if (graphFree != null) {
            return wait(BudgetLimit.GRAPH_REQUESTS, graphFree, mailbox + ": " + sum(graphMinutes)
                    + " Graph requests in the last 10 minutes; the limit is " + limits.graphRequestsPerTenMinutes());
        }
        String id = slotIds.get();
        long until = t + slotLease.toMillis();
        slots.put(id, until);
        insertSorted(messages, t);
        add(recipientMinutes, t / MINUTE_MS, cost.recipients());
        add(graphMinutes, t / MINUTE_MS, cost.graphRequests());
        return new Admission.Granted(new Permit(mailbox, id, Instant.ofEpochMilli(t), Instant.ofEpochMilli(until), cost));
    }

    /**
     * Frees the permit's slot. When the message was certainly not accepted by the mail service ({@code sent} false:
     * refused, throttled, never sent), its message and recipients are given back; the Graph requests it made are not.
     */
    public void release(Permit permit, boolean sent) {
        release(permit, sent, permit.admittedAt());
    }

    /**
     * As {@link #release(Permit, boolean)}; a sent message is counted from {@code now} instead of its admission (and its
     * recipients in {@code now}'s minute): the mail service took it somewhere between the two, and its own window runs
     * from then, so counting from the admission would free the window early by the time the send took. This holds also
     * for a send that outlasted its slot (the slot expired and, after a minute, its message left the window): it is
     * counted again from {@code now}.
     *
     * @return whether the window changed (a store writes it back only then)
     */
    public boolean release(Permit permit, boolean sent, Instant now) {
        long admitted = permit.admittedAt().toEpochMilli();
        boolean held = slots.remove(permit.slotId()) != null;
        if (!sent) {
            boolean removed = messages.remove(Long.valueOf(admitted));
            long minute = admitted / MINUTE_MS;
            boolean givenBack = recipientMinutes.containsKey(minute) && permit.cost().recipients() > 0;
            recipientMinutes.computeIfPresent(minute, (m, n) -> n > permit.cost().recipients() ? n - permit.cost().recipients() : null);
            return held || removed || givenBack;
        }
        if (!now.isAfter(permit.admittedAt())) {
            return held;
        }
        boolean moved = messages.remove(Long.valueOf(admitted));
        if (moved || !held) {
            insertSorted(messages, now.toEpochMilli());
        }
        long from = admitted / MINUTE_MS;
        long to = now.toEpochMilli() / MINUTE_MS;
        int recipients = permit.cost().recipients();
        if (from != to && recipients > 0 && recipientMinutes.getOrDefault(from, 0) >= recipients) {
            recipientMinutes.computeIfPresent(from, (m, n) -> n > recipients ? n - recipients : null);
            add(recipientMinutes, to, recipients);
        }
        return true;
    }

    /**
     * Counts a message already sent at {@code at} with {@code recipients} (rebuilding a lost window from the ledger):
     * its recipients, and the message itself while it is within the last minute. Holds no slot.
     */
    public void countSent(Instant at, int recipients) {
        long t = at.toEpochMilli();
        insertSorted(messages, t);
        add(recipientMinutes, t / MINUTE_MS, recipients);
    }

    /** Whether the permit's slot is still held (false once released, or expired and pruned). */
    public boolean holds(Permit permit) {
        return slots.containsKey(permit.slotId());
    }

    /** Extends a held slot (a long upload); false when the slot is gone. */
    public boolean renew(Permit permit, Instant until) {
        return slots.computeIfPresent(permit.slotId(), (id, old) -> Math.max(old, until.toEpochMilli())) != null;
    }

    public MailboxUsage usage(MailboxLimits limits, Instant now) {
        long t = now.toEpochMilli();
        prune(t);
        Map<BudgetLimit, Instant> next = new EnumMap<>(BudgetLimit.class);
        if (slots.size() >= limits.concurrentSends()) {
            next.put(BudgetLimit.CONCURRENT_SENDS, Instant.ofEpochMilli(earliestSlotExpiry()));
        }
        if (messages.size() >= limits.messagesPerMinute()) {
            next.put(BudgetLimit.MESSAGES_PER_MINUTE, Instant.ofEpochMilli(messages.get(messages.size() - limits.messagesPerMinute()) + MINUTE_MS));
        }
        Long r = freeAt(recipientMinutes, limits.recipientsPerDay(), 1, BudgetLimit.RECIPIENTS_PER_DAY);
        if (r != null) {
            next.put(BudgetLimit.RECIPIENTS_PER_DAY, Instant.ofEpochMilli(r));
        }
        Long g = freeAt(graphMinutes, limits.graphRequestsPerTenMinutes(), 1, BudgetLimit.GRAPH_REQUESTS);
        if (g != null) {
            next.put(BudgetLimit.GRAPH_REQUESTS, Instant.ofEpochMilli(g));
        }
        return new MailboxUsage(limits, now, slots.size(), messages.size(), sum(recipientMinutes), sum(graphMinutes), next);
    }

    /** Drops what has left its window: expired slots, messages older than a minute, per-minute counts past their window. */
    private void prune(long t) {
        slots.values().removeIf(until -> until <= t);
        messages.removeIf(at -> at <= t - MINUTE_MS);
        pruneMinutes(recipientMinutes, t, BudgetLimit.RECIPIENTS_PER_DAY);
        pruneMinutes(graphMinutes, t, BudgetLimit.GRAPH_REQUESTS);
    }

    private static void pruneMinutes(TreeMap<Long, Integer> minutes, long t, BudgetLimit limit) {
        long window = limit.window().toMillis();
        minutes.entrySet().removeIf(e -> (e.getKey() + 1) * MINUTE_MS + window <= t);
    }

    /** When enough of the oldest counts leave the window for {@code cost} more to fit; null when it fits now. */
    private static Long freeAt(TreeMap<Long, Integer> minutes, int limit, int cost, BudgetLimit which) {
        int used = sum(minutes);
        if (used + cost <= limit) {
            return null;
        }
        int excess = used + cost - limit;
        for (Map.Entry<Long, Integer> e : minutes.entrySet()) {
            excess -= e.getValue();
            if (excess <= 0) {
                return (e.getKey() + 1) * MINUTE_MS + which.window().toMillis();
            }
        }
        throw new IllegalStateException("cost within the limit cannot fail to fit an empty window");
    }

    private long earliestSlotExpiry() {
        long min = Long.MAX_VALUE;
        for (long until : slots.values()) {
            min = Math.min(min, until);
        }
        return min;
    }

    private static Admission.Wait wait(BudgetLimit limit, long until, String detail) {
        Instant at = Instant.ofEpochMilli(until);
        return new Admission.Wait(limit, at, detail + "; next free at " + at);
    }

    /** Instances' clocks differ a little, so a time from another instance may be older than the last one stored. */
    private static void insertSorted(List<Long> times, long t) {
        int i = times.size();
        while (i > 0 && times.get(i - 1) > t) {
            i--;
        }
        times.add(i, t);
    }

    private static void add(TreeMap<Long, Integer> minutes, long minute, int n) {
        if (n > 0) {
            minutes.merge(minute, n, Integer::sum);
        }
    }

    private static int sum(TreeMap<Long, Integer> minutes) {
        int s = 0;
        for (int n : minutes.values()) {
            s += n;
        }
        return s;
    }

    // ---- stored form: "v1|slot@until,...|ms,...|minute:n,...|minute:n,..." (ids are UUIDs; no separator occurs in them)

    public String encode() {
        StringBuilder b = new StringBuilder(VERSION).append('|');
        join(b, slots.entrySet().iterator(), e -> e.getKey() + "@" + e.getValue());
        b.append('|');
        join(b, messages.iterator(), String::valueOf);
        b.append('|');
        join(b, recipientMinutes.entrySet().iterator(), e -> e.getKey() + ":" + e.getValue());
        b.append('|');
        join(b, graphMinutes.entrySet().iterator(), e -> e.getKey() + ":" + e.getValue());
        return b.toString();
    }

    /** @throws IllegalArgumentException when {@code stored} is not a window this version wrote */
    public static BudgetWindow decode(String stored) {
        BudgetWindow w = new BudgetWindow();
        if (stored == null || stored.isEmpty()) {
            return w;
        }
        String[] parts = stored.split("\\|", -1);
        if (parts.length != 5 || !VERSION.equals(parts[0])) {
            throw new IllegalArgumentException("not a stored budget window (version " + (parts.length > 0 ? parts[0] : "?") + ")");
        }
        try {
            for (String s : items(parts[1])) {
                int at = s.lastIndexOf('@');
                w.slots.put(s.substring(0, at), Long.parseLong(s.substring(at + 1)));
            }
            for (String s : items(parts[2])) {
                w.messages.add(Long.parseLong(s));
            }
            readMinutes(parts[3], w.recipientMinutes);
            readMinutes(parts[4], w.graphMinutes);
        } catch (RuntimeException e) {
            throw new IllegalArgumentException("a stored budget window is damaged", e);
        }
        w.messages.sort(null);
        return w;
    }

    private static void readMinutes(String part, TreeMap<Long, Integer> into) {
        for (String s : items(part)) {
            int colon = s.indexOf(':');
            into.put(Long.parseLong(s.substring(0, colon)), Integer.parseInt(s.substring(colon + 1)));
        }
    }

    private static String[] items(String part) {
        return part.isEmpty() ? new String[0] : part.split(",");
    }

    private static <T> void join(StringBuilder b, Iterator<T> it, java.util.function.Function<T, String> f) {
        boolean first = true;
        while (it.hasNext()) {
            if (!first) {
                b.append(',');
            }
            b.append(f.apply(it.next()));
            first = false;
        }
    }
}
