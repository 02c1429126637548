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
    /** The same for a claimant holding a due ticket, which waits in process rather than on the queue. */
    static final Duration HOLDER_CONCURRENCY_RECHECK = Duration.ofMillis(200);
    private static final long MINUTE_MS = 60_000L;
    /**
     * How long after its time an unclaimed ticket keeps its place: longer than a queue message takes to come back, also
     * behind a backlog (a queue hands out messages in the order they became visible, so a holder waits behind every
     * message that became visible before its time; with 30 s, a backlog of a few minutes made the tickets lapse).
     */
    public static final Duration TICKET_GRACE = Duration.ofMinutes(5);
    /** How long after its time a due, unclaimed ticket keeps its place against other holders of due tickets. */
    public static final Duration TICKET_PRIORITY = Duration.ofSeconds(2);
    /**
     * At most this many tickets are outstanding (about 21 characters each: some 105 K characters stored, well inside an
     * entity). Long enough for a whole backlog to hold places: waiters past it have no time to come back at, and when
     * the line was 4 minutes long they came back together and buried the holders behind them on the queue.
     */
    static final int LINE_LENGTH = 5_000;
    private static final String VERSION = "v3";
    private static final String VERSION_2 = "v2";
    private static final String VERSION_1 = "v1";

    /** A place in line for the messages-per-minute limit: the time it is due, and when it lapses unclaimed. */
    private static final class Ticket {
        final long at;
        long expires;

        Ticket(long at, long expires) {
            this.at = at;
            this.expires = expires;
        }
    }

    private final LinkedHashMap<String, Long> slots = new LinkedHashMap<>();
    private final List<Long> messages = new ArrayList<>();
    private final TreeMap<Long, Integer> recipientMinutes = new TreeMap<>();
    private final TreeMap<Long, Integer> graphMinutes = new TreeMap<>();
    /** Claimant key to ticket, in the order given (so in time order: a ticket is never earlier than the one before). */
    private final LinkedHashMap<String, Ticket> tickets = new LinkedHashMap<>();
    private int changes;

    public static BudgetWindow empty() {
        return new BudgetWindow();
    }

    /** As {@link #admit(Mailbox, MailboxLimits, SendCost, Instant, Duration, Supplier, Claimant)} for a claimant that takes no ticket. */
    public Admission admit(Mailbox mailbox, MailboxLimits limits, SendCost cost, Instant now, Duration slotLease,
                           Supplier<String> slotIds) {
        return admit(mailbox, limits, cost, now, slotLease, slotIds, Claimant.once());
    }

    /**
     * Admits the send if it fits every limit now, counting it (a slot, a message, its recipients and Graph requests).
     *
     * <p>Messages per minute are handed out in line: when the minute is full, a claimant that may take a ticket gets
     * one, a distinct future time computed over the messages sent and the tickets before it (the k-th waiter gets the
     * k-th time a place frees), held until that time plus {@link #TICKET_GRACE}. Coming back before it, the claimant
     * waits until it; at or after it, it is admitted when the minute has room counting the due tickets of others, or
     * waits keeping its place until it has. A claimant without a ticket is admitted only if that takes no holder's
     * place. At most {@link #LINE_LENGTH} tickets are outstanding; past that the answer is a wait without a ticket,
     * spread over the line. {@link #changes()} tells whether the decision changed the window (a store writes only then).
     *
     * @param slotLease how long the slot is held if the permit is never released (its instance died)
     */
    public Admission admit(Mailbox mailbox, MailboxLimits limits, SendCost cost, Instant now, Duration slotLease,
                           Supplier<String> slotIds, Claimant claimant) {
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
        String key = claimant.key();
        Ticket mine = tickets.get(key);
        if (mine != null && t < mine.at) {
            return ticketWait(mailbox, mine.at, "holds the ticket for " + Instant.ofEpochMilli(mine.at));
        }
        int perMinute = limits.messagesPerMinute();
        if (mine == null) {
            // In line first: a claimant that finds the minute full gets its ticket even while every slot is taken.
            long free = nextFree(t, perMinute);
            // A place that is free now because its holder is late (over TICKET_PRIORITY, within the last minute) goes
            // to whoever is here: behind a backlog on the queue the holders cannot come on time, and their places
            // would go unused. Places whose tickets are not due yet are not taken.
            boolean lateHoldersPlace = free > t && lateTicketsInMinute(t) > 0 && inMinuteBefore(t, key, Long.MAX_VALUE).length < perMinute;
            if (free > t && !lateHoldersPlace) {
                String detail = mailbox + ": " + messages.size() + " messages in the last minute and " + tickets.size()
                        + " waiting with tickets, the limit is " + perMinute;
                if (tickets.size() >= LINE_LENGTH) {
                    // No ticket: come back somewhere between the time a minute's worth of the line has been claimed
                    // and its end, a place of the claimant's own (by its key), so that these waiters do not all come
                    // back at once and bury the holders coming back behind them on the queue.
                    long from = ticketTime(perMinute - 1);
                    long to = Math.max(from, ticketTime(tickets.size() - 1));
                    long back = Math.max(t + CONCURRENCY_RECHECK.toMillis(), from + (long) ((to - from) * spreadOf(key)));
                    return wait(BudgetLimit.MESSAGES_PER_MINUTE, back, detail + " (the line is full)");
                }
                if (!claimant.takesTicket(free - t)) {
                    return wait(BudgetLimit.MESSAGES_PER_MINUTE, free, detail);
                }
                tickets.put(key, new Ticket(free, free + TICKET_GRACE.toMillis()));
                changes++;
                return ticketWait(mailbox, free, detail + "; ticket " + tickets.size() + " in line");
            }
        }
        if (slots.size() >= limits.concurrentSends()) {
            // A holder of a due ticket looks again sooner (a send ends within a few hundred ms; it waits in process).
            Duration after = mine == null ? CONCURRENCY_RECHECK : HOLDER_CONCURRENCY_RECHECK;
            long recheck = Math.min(t + after.toMillis(), earliestSlotExpiry());
            if (mine != null && mine.expires < recheck + TICKET_GRACE.toMillis() / 2) {
                // Keeps its place while it waits for a slot; extended only once half the grace is used, so a holder
                // looking again every 200 ms does not write the window each time.
                mine.expires = recheck + TICKET_GRACE.toMillis();
                changes++;
            }
            Admission.Wait w = wait(BudgetLimit.CONCURRENT_SENDS, recheck, mailbox + ": " + slots.size() + " sends in flight, the limit is "
                    + limits.concurrentSends());
            return mine == null ? w : new Admission.Wait(w.limit(), w.until(), w.detail(), true);
        }
        if (mine != null) {
            long[] ahead = inMinuteBefore(t, key, mine.at);
            if (ahead.length >= perMinute) {
                // On time but short (a send it follows ended later than its admission): the time it fits. Late (its
                // place went to whoever was there): the first place no one holds, as a newcomer would get; it has in
                // effect swapped places with the send that took its own. Jumping ahead of the tickets given meanwhile
                // would take their places, and their holders would wait again in turn.
                long fits = ahead[ahead.length - perMinute] + MINUTE_MS;
                long until = t - mine.at > TICKET_PRIORITY.toMillis() ? Math.max(fits, nextFree(t, perMinute, key)) : fits;
                // The ticket moves to that time: from then on it is a place in line like any other, counted when later
                // tickets are given. Left at its old, overdue time it no longer counted, so the tickets given after it
                // were for the same places (about one extra round trip per message in the benchmark).
                retime(key, mine, until);
                changes++;
                return ticketWait(mailbox, until, "holds a due ticket; " + ahead.length
                        + " messages and earlier tickets in the last minute, the limit is " + perMinute);
            }
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
        if (mine != null) {
            tickets.remove(key);
        }
        String id = slotIds.get();
        long until = t + slotLease.toMillis();
        slots.put(id, until);
        insertSorted(messages, t);
        add(recipientMinutes, t / MINUTE_MS, cost.recipients());
        add(graphMinutes, t / MINUTE_MS, cost.graphRequests());
        changes++;
        return new Admission.Granted(new Permit(mailbox, id, Instant.ofEpochMilli(t), Instant.ofEpochMilli(until), cost));
    }

    /** Moves a ticket to {@code until} (later than its time), keeping the line in time order, and its lapse after it. */
    private void retime(String key, Ticket ticket, long until) {
        tickets.remove(key);
        Ticket moved = new Ticket(until, Math.max(ticket.expires, until + TICKET_GRACE.toMillis()));
        LinkedHashMap<String, Ticket> line = new LinkedHashMap<>();
        for (Map.Entry<String, Ticket> e : tickets.entrySet()) {
            if (e.getValue().at > until) {
                line.putIfAbsent(key, moved);
            }
            line.put(e.getKey(), e.getValue());
        }
        line.putIfAbsent(key, moved);
        tickets.clear();
        tickets.putAll(line);
    }

    /** How many decisions changed this window since it was made or read (a store writes only when this moved). */
    public int changes() {
        return changes;
    }

    /** Tickets outstanding (not claimed, not lapsed at the last decision). */
    public int ticketsOutstanding() {
        return tickets.size();
    }

    /**
     * The earliest time a message fits without taking any ticket holder's place: over the messages of the last minute
     * and every outstanding ticket (each a message at its time), the time the entry {@code limit} from the end leaves
     * the minute, after the last ticket (first come, first served; 1 ms after it at least, so no two share a time).
     * {@code t} when fewer than {@code limit}.
     */
    private long nextFree(long t, int limit) {
        return nextFree(t, limit, null);
    }

    /** As {@link #nextFree(long, int)}, not counting the ticket of {@code except} (null: every ticket counts). */
    private long nextFree(long t, int limit, String except) {
        int n = messages.size() + tickets.size();
        if (n < limit) {
            return t;
        }
        long[] all = new long[n];
        int i = 0;
        for (long m : messages) {
            all[i++] = m;
        }
        long last = Long.MIN_VALUE;
        for (Map.Entry<String, Ticket> e : tickets.entrySet()) {
            if (e.getKey().equals(except)) {
                continue;
            }
            Ticket k = e.getValue();
            last = Math.max(last, k.at + 1); // distinct: two places freeing in the same ms go 1 ms apart
            if (k.at > t - TICKET_PRIORITY.toMillis()) {
                all[i++] = k.at; // a holder this late no longer holds up others (it goes when the minute has room)
            }
        }
        n = i;
        if (n < limit) {
            return Math.max(t, last);
        }
        all = java.util.Arrays.copyOf(all, n);
        java.util.Arrays.sort(all);
        return Math.max(t, Math.max(last, all[n - limit] + MINUTE_MS));
    }

    /**
     * The times of the messages of the minute before {@code t} and of others' tickets ahead in line (before
     * {@code aheadOf}) that fell due within {@link #TICKET_PRIORITY} before it, sorted: a holder a little late keeps
     * its place against the holders behind it, one later than that does not hold up those who came. Tickets behind
     * the asker never count against it: the holders of one burst of tickets, coming back a few hundred ms late
     * together, would otherwise each count all the others and wait for a minute that never had room.
     */
    private long[] inMinuteBefore(long t, String except, long aheadOf) {
        long[] all = new long[messages.size() + tickets.size()];
        int n = 0;
        for (long m : messages) {
            if (m <= t) {
                all[n++] = m;
            }
        }
        for (Map.Entry<String, Ticket> e : tickets.entrySet()) {
            long at = e.getValue().at;
            if (!e.getKey().equals(except) && at < aheadOf && at <= t && at > t - Math.min(MINUTE_MS, TICKET_PRIORITY.toMillis())) {
                all[n++] = at;
            }
        }
        long[] within = java.util.Arrays.copyOf(all, n);
        java.util.Arrays.sort(within);
        return within;
    }

    /** Unclaimed tickets that fell due in the minute before {@code t}, more than {@link #TICKET_PRIORITY} ago. */
    private int lateTicketsInMinute(long t) {
        int n = 0;
        for (Ticket k : tickets.values()) {
            if (k.at > t - MINUTE_MS && k.at <= t - TICKET_PRIORITY.toMillis()) {
                n++;
            }
        }
        return n;
    }

    /** The time of the {@code index}-th outstanding ticket in line (0 first), or of the last one. */
    private long ticketTime(int index) {
        int i = 0;
        long at = 0;
        for (Ticket k : tickets.values()) {
            at = k.at;
            if (i++ == index) {
                break;
            }
        }
        return at;
    }

    /** A fraction in [0, 1) fixed by the claimant's key (hex digits of a hash: evenly spread). */
    private static double spreadOf(String key) {
        return Long.parseLong(key.substring(0, Math.min(6, key.length())), 16) / (double) (1L << (4 * Math.min(6, key.length())));
    }

    private static Admission.Wait ticketWait(Mailbox mailbox, long until, String detail) {
        Instant at = Instant.ofEpochMilli(until);
        return new Admission.Wait(BudgetLimit.MESSAGES_PER_MINUTE, at, mailbox + ": " + detail + "; next free at " + at, true);
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
        long free = nextFree(t, limits.messagesPerMinute());
        if (free > t || messages.size() >= limits.messagesPerMinute()) {
            next.put(BudgetLimit.MESSAGES_PER_MINUTE, Instant.ofEpochMilli(free));
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
        tickets.values().removeIf(k -> k.expires <= t);
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

    // ---- stored form: "v3|slot@until,...|messages|minute:n,...|minute:n,...|tickets" (slot ids are UUIDs, ticket keys
    // hex: no separator occurs in them). Messages: "t0,d1,d2,..." and tickets "key@d[@x],...", where t0 and each d are
    // base-36 milliseconds from the one before (the first from 0) and x is how much later than at + TICKET_GRACE the
    // ticket lapses (left out when 0). A line of 5,000 tickets is about 105 K characters instead of v2's 225 K (key@at@expires
    // in decimal): every admission reads and writes the whole entity. "v2" and "v1" (v2 without tickets) are still read.

    public String encode() {
        StringBuilder b = new StringBuilder(VERSION).append('|');
        join(b, slots.entrySet().iterator(), e -> e.getKey() + "@" + e.getValue());
        b.append('|');
        long[] previous = {0};
        join(b, messages.iterator(), t -> {
            String d = Long.toString(t - previous[0], 36);
            previous[0] = t;
            return d;
        });
        b.append('|');
        join(b, recipientMinutes.entrySet().iterator(), e -> e.getKey() + ":" + e.getValue());
        b.append('|');
        join(b, graphMinutes.entrySet().iterator(), e -> e.getKey() + ":" + e.getValue());
        b.append('|');
        previous[0] = 0;
        long grace = TICKET_GRACE.toMillis();
        join(b, tickets.entrySet().iterator(), e -> {
            Ticket k = e.getValue();
            String item = e.getKey() + "@" + Long.toString(k.at - previous[0], 36);
            previous[0] = k.at;
            long later = k.expires - k.at - grace;
            return later == 0 ? item : item + "@" + Long.toString(later, 36);
        });
        return b.toString();
    }

    /** @throws IllegalArgumentException when {@code stored} is not a window this version wrote */
    public static BudgetWindow decode(String stored) {
        BudgetWindow w = new BudgetWindow();
        if (stored == null || stored.isEmpty()) {
            return w;
        }
        String[] parts = stored.split("\\|", -1);
        String version = parts.length > 0 ? parts[0] : "?";
        boolean v1 = parts.length == 5 && VERSION_1.equals(version);
        boolean v2 = parts.length == 6 && VERSION_2.equals(version);
        if (!v1 && !v2 && (parts.length != 6 || !VERSION.equals(version))) {
            throw new IllegalArgumentException("not a stored budget window (version " + version + ")");
        }
        boolean relative = !v1 && !v2;
        try {
            for (String s : items(parts[1])) {
                int at = s.lastIndexOf('@');
                w.slots.put(s.substring(0, at), Long.parseLong(s.substring(at + 1)));
            }
            long previous = 0;
            for (String s : items(parts[2])) {
                long t = relative ? previous + Long.parseLong(s, 36) : Long.parseLong(s);
                w.messages.add(t);
                previous = t;
            }
            readMinutes(parts[3], w.recipientMinutes);
            readMinutes(parts[4], w.graphMinutes);
            if (!v1) {
                previous = 0;
                long grace = TICKET_GRACE.toMillis();
                for (String s : items(parts[5])) {
                    String[] k = s.split("@", -1);
                    if (k[0].isEmpty() || (relative ? k.length != 2 && k.length != 3 : k.length != 3)) {
                        throw new IllegalArgumentException("ticket " + s);
                    }
                    if (relative) {
                        long at = previous + Long.parseLong(k[1], 36);
                        previous = at;
                        w.tickets.put(k[0], new Ticket(at, at + grace + (k.length == 3 ? Long.parseLong(k[2], 36) : 0)));
                    } else {
                        w.tickets.put(k[0], new Ticket(Long.parseLong(k[1]), Long.parseLong(k[2])));
                    }
                }
            }
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
