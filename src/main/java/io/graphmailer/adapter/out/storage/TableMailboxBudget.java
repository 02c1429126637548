package io.graphmailer.adapter.out.storage;

import com.azure.data.tables.TableClient;
import com.azure.data.tables.models.TableEntity;
import com.azure.data.tables.models.TableEntityUpdateMode;
import com.azure.data.tables.models.TableServiceException;
import io.graphmailer.adapter.out.azure.AzureClients;
import io.graphmailer.application.port.out.MailboxBudget;
import io.graphmailer.config.GraphMailerConfig;
import io.graphmailer.domain.Mailbox;
import io.graphmailer.domain.budget.Admission;
import io.graphmailer.domain.budget.BudgetLimit;
import io.graphmailer.domain.budget.BudgetUnavailableException;
import io.graphmailer.domain.budget.BudgetWindow;
import io.graphmailer.domain.budget.Claimant;
import io.graphmailer.domain.budget.MailboxLimits;
import io.graphmailer.domain.budget.MailboxUsage;
import io.graphmailer.domain.budget.Permit;
import io.graphmailer.domain.budget.SendCost;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.inject.Typed;
import jakarta.inject.Inject;
import jakarta.inject.Singleton;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Function;
import java.util.function.Predicate;
import java.util.function.Supplier;
import java.util.logging.Logger;

/**
 * The mailbox budget shared by every instance and trigger: one Table Storage entity per mailbox holding its
 * {@link BudgetWindow}'s stored form. Every change is read, decide, conditional write: replace If-Match the ETag read,
 * or insert for a mailbox not seen yet; a 412 or 409 (another instance wrote in between) reads and decides again, a
 * bounded number of times with jittered pauses. A decision that changes nothing (wait, refused, usage) writes nothing.
 *
 * <p>A missing or damaged entity is rebuilt from the send ledger's SENT entries of the last 24 hours for the mailbox
 * (recipients and the last minute's messages), so a lost entity never resets the daily count to zero.
 *
 * <p>Decisions use this instance's clock; see docs/adr/0014 for the tolerated skew. The table
 * ({@code graph-mailer.budget.table}) is reached, and created if missing, on first use.
 */
@Singleton
@Typed(TableMailboxBudget.class)
public final class TableMailboxBudget implements MailboxBudget {
    private static final Logger LOG = Logger.getLogger(TableMailboxBudget.class.getName());
    /** Table Storage keeps a string property up to 64 KiB (32 K UTF-16 chars); the window is split into chunks below that. */
    static final int CHUNK_CHARS = 30_000;
    /** An entity holds at most 1 MiB: 16 chunks (about 960 KB of UTF-16) stay under it with room for the other properties. */
    static final int MAX_CHUNKS = 16;
    static final int MAX_TRIES = 12;
    /** A release tries longer than an admission: a lost release holds a slot until it expires. */
    static final int RELEASE_TRIES = 40;
    private static final String ROW = "budget";

    private final TableOnFirstUse tables;
    private final Function<String, Iterable<TableSendLedger.SentRecipients>> ledgerSent;
    private final Clock clock;
    private final Duration slotLease;

    private final AtomicLong reads = new AtomicLong();
    private final AtomicLong writes = new AtomicLong();
    private final AtomicLong conflicts = new AtomicLong();
    private final AtomicLong admits = new AtomicLong();
    private final AtomicLong granted = new AtomicLong();
    private final AtomicLong rebuilds = new AtomicLong();
    private final AtomicLong commits = new AtomicLong();
    private final ConcurrentHashMap<String, Lane> lanes = new ConcurrentHashMap<>();

    @Inject
    TableMailboxBudget(GraphMailerConfig config, AzureClients clients, TableSendLedger ledger) {
        this(() -> clients.table(config.budget().table()), Clock.systemUTC(), config.budget().slotLease(),
                mailbox -> ledger.sentSince(mailbox, Instant.now().minus(BudgetLimit.RECIPIENTS_PER_DAY.window())));
    }

    /** Tests and benchmarks: an existing client, this clock and slot lease; {@code ledgerSent} rebuilds a lost window. */
    public TableMailboxBudget(Supplier<TableClient> client, Clock clock, Duration slotLease,
                              Function<String, Iterable<TableSendLedger.SentRecipients>> ledgerSent) {
        this.tables = new TableOnFirstUse(client);
        this.clock = clock;
        this.slotLease = slotLease;
        this.ledgerSent = ledgerSent;
    }

    /** Storage calls and conflicts since start: what the shared budget costs. */
    public record Stats(long admits, long granted, long reads, long writes, long conflicts, long rebuilds, long commits) {
    }

    public Stats stats() {
        return new Stats(admits.get(), granted.get(), reads.get(), writes.get(), conflicts.get(), rebuilds.get(), commits.get());
    }

    @PreDestroy
    void logStats() {
        Stats s = stats();
        if (s.admits() > 0) {
            LOG.info(() -> "budget store: " + s);
        }
    }

    @Override
    public Admission admit(Mailbox mailbox, MailboxLimits limits, SendCost cost, Claimant claimant) {
        admits.incrementAndGet();
        Admission[] answer = new Admission[1];
        change(mailbox, w -> {
            int before = w.changes();
            answer[0] = w.admit(mailbox, limits, cost, clock.instant(), slotLease, () -> UUID.randomUUID().toString(), claimant);
            return w.changes() != before; // granted, or a ticket given or kept longer
        }, true, MAX_TRIES);
        if (answer[0] instanceof Admission.Granted) {
            granted.incrementAndGet();
        }
        return answer[0];
    }

    @Override
    public void release(Permit permit, boolean sent) {
        // The send ended now: that is the time it counts from, not when this change is committed (it may wait behind
        // other changes of the mailbox, and a later time would keep the place from the next holder for that long).
        Instant ended = clock.instant();
        try {
            change(permit.mailbox(), w -> w.release(permit, sent, ended), false, RELEASE_TRIES);
        } catch (BudgetUnavailableException e) {
            // The slot expires at permit.slotUntil(); the message stays counted (the safe side).
            LOG.warning(() -> "budget store: the slot of a send from " + permit.mailbox() + " was not released (" + e.getMessage()
                    + "); it frees at " + permit.slotUntil());
        }
    }

    @Override
    public MailboxUsage usage(Mailbox mailbox, MailboxLimits limits) {
        Stored s = read(mailbox);
        MailboxUsage usage = s.window().usage(limits, clock.instant());
        if (s.rebuilt()) {
            keepRebuilt(mailbox, s);
        }
        return usage;
    }

    /**
     * Stores a window rebuilt from the ledger even when nothing else changed it, so the ledger is scanned once per loss,
     * not on every read (a mailbox that never sent would be scanned on every look at its budget). Losing the race is
     * fine: the other instance's window stands.
     */
    private void keepRebuilt(Mailbox mailbox, Stored s) {
        try {
            write(mailbox, s);
        } catch (BudgetUnavailableException e) {
            LOG.fine(() -> "budget store: the rebuilt budget of " + mailbox + " was not stored (" + e.getMessage() + ")");
        }
    }

    /**
     * Applies {@code decide} to the mailbox's stored window (true: it changed the window, write it). Changes of one
     * mailbox in this instance are committed together: whoever takes the mailbox's commit lock applies every change
     * waiting at that moment, in order, to one read window and writes it once (a group commit). Under contention this
     * turns N threads' N reads, N writes and their conflicts with each other into one read and one write; the
     * decisions are the same as one after another, because each sees the window the earlier ones left.
     *
     * @param create whether a missing entity is written (an admission); a release of a mailbox never stored has nothing to do
     */
    private void change(Mailbox mailbox, Predicate<BudgetWindow> decide, boolean create, int tries) {
        Lane lane = lanes.computeIfAbsent(mailbox.key(), k -> new Lane());
        Change mine = new Change(decide, create, tries);
        synchronized (lane.waiting) {
            lane.waiting.add(mine);
        }
        lane.commit.lock();
        try {
            if (!mine.done) { // still waiting: no one took it into a batch, so this thread commits it and all behind it
                List<Change> batch;
                synchronized (lane.waiting) {
                    batch = new ArrayList<>(lane.waiting);
                    lane.waiting.clear();
                }
                commit(mailbox, batch);
            }
        } finally {
            lane.commit.unlock();
        }
        if (mine.failure != null) {
            throw mine.failure;
        }
    }

    /** One mailbox's changes waiting to be committed, and the lock whose holder commits them. */
    private static final class Lane {
        final ReentrantLock commit = new ReentrantLock();
        final ArrayDeque<Change> waiting = new ArrayDeque<>();
    }

    /** One caller's change; {@code done} and {@code failure} are set under the lane's commit lock. */
    private static final class Change {
        final Predicate<BudgetWindow> decide;
        final boolean create;
        final int tries;
        boolean done;
        RuntimeException failure;

        Change(Predicate<BudgetWindow> decide, boolean create, int tries) {
            this.decide = decide;
            this.create = create;
            this.tries = tries;
        }
    }

    /** Read, apply every change of the batch in order, one conditional write; again on a lost race. */
    private void commit(Mailbox mailbox, List<Change> batch) {
        commits.incrementAndGet();
        List<Change> live = new ArrayList<>(batch);
        try {
            for (int attempt = 1; ; ) {
                Stored s = read(mailbox);
                boolean changed = false;
                Change broken = null;
                for (Change c : live) {
                    if (s.etag() == null && !c.create) {
                        continue;
                    }
                    try {
                        changed |= c.decide.test(s.window());
                    } catch (RuntimeException e) {
                        c.failure = e;
                        broken = c;
                        break;
                    }
                }
                if (broken != null) {
                    // The window may be half changed by it: decide the others again on a fresh read, without it.
                    live.remove(broken);
                    if (live.isEmpty()) {
                        return;
                    }
                    continue;
                }
                if (!changed) {
                    if (s.rebuilt()) {
                        keepRebuilt(mailbox, s);
                    }
                    return;
                }
                if (write(mailbox, s)) {
                    return;
                }
                conflicts.incrementAndGet();
                int lost = attempt;
                live.removeIf(c -> {
                    if (c.tries > lost) {
                        return false;
                    }
                    c.failure = new BudgetUnavailableException("the budget of " + mailbox + " is contended: " + c.tries
                            + " conditional writes in a row lost to other instances", null);
                    return true;
                });
                if (live.isEmpty()) {
                    return;
                }
                pause(attempt++);
            }
        } catch (RuntimeException e) {
            for (Change c : live) {
                c.failure = e;
            }
        } finally {
            for (Change c : batch) {
                c.done = true;
            }
        }
    }

    /** The stored window with the ETag it was read at; null ETag: no entity yet. */
    private record Stored(BudgetWindow window, String etag, boolean rebuilt) {
    }

    private Stored read(Mailbox mailbox) {
        String partition = partition(mailbox);
        TableEntity e;
        try {
            reads.incrementAndGet();
            e = table().getEntity(partition, ROW);
        } catch (TableServiceException ex) {
            if (status(ex) != 404) {
                throw unavailable(mailbox, ex);
            }
            return new Stored(rebuild(mailbox, "no stored budget"), null, true);
        } catch (BudgetUnavailableException ex) {
            throw ex;
        } catch (RuntimeException ex) {
            throw unavailable(mailbox, ex);
        }
        try {
            return new Stored(BudgetWindow.decode(joined(e)), e.getETag(), false);
        } catch (IllegalArgumentException damaged) {
            LOG.warning(() -> "budget store: the stored budget of " + mailbox + " is damaged (" + damaged.getMessage() + "); rebuilt from the ledger");
            return new Stored(rebuild(mailbox, "damaged"), e.getETag(), true);
        }
    }

    /** The recipients (24 h) and messages (last minute) of the ledger's SENT entries; empty when the ledger has none. */
    private BudgetWindow rebuild(Mailbox mailbox, String why) {
        BudgetWindow w = BudgetWindow.empty();
        Instant since = clock.instant().minus(BudgetLimit.RECIPIENTS_PER_DAY.window());
        int messages = 0;
        try {
            for (TableSendLedger.SentRecipients sent : ledgerSent.apply(mailbox.key())) {
                if (sent.at().isAfter(since)) {
                    w.countSent(sent.at(), sent.recipients());
                    messages++;
                }
            }
        } catch (RuntimeException e) {
            throw unavailable(mailbox, e);
        }
        if (messages > 0) {
            rebuilds.incrementAndGet();
            int n = messages;
            LOG.info(() -> "budget store: the budget of " + mailbox + " (" + why + ") rebuilt from " + n + " sent messages in the ledger");
        }
        return w;
    }

    /** True when written; false when another instance wrote first (412, or 409 for two inserts). */
    private boolean write(Mailbox mailbox, Stored s) {
        String encoded = s.window().encode();
        TableEntity entity = new TableEntity(partition(mailbox), ROW).addProperty("Mailbox", mailbox.key());
        int chunks = (encoded.length() + CHUNK_CHARS - 1) / CHUNK_CHARS;
        if (chunks > MAX_CHUNKS) {
            throw new BudgetUnavailableException("the budget of " + mailbox + " does not fit one entity (" + encoded.length() + " chars)", null);
        }
        entity.addProperty("Chunks", chunks);
        for (int i = 0; i < chunks; i++) {
            entity.addProperty("W" + i, encoded.substring(i * CHUNK_CHARS, Math.min(encoded.length(), (i + 1) * CHUNK_CHARS)));
        }
        try {
            writes.incrementAndGet();
            if (s.etag() == null) {
                table().createEntity(entity);
            } else {
                entity.addProperty("odata.etag", s.etag()); // the SDK reads the ETag from this property
                table().updateEntityWithResponse(entity, TableEntityUpdateMode.REPLACE, true, null, null);
            }
            return true;
        } catch (TableServiceException e) {
            if (status(e) == 412 || status(e) == 409) {
                return false;
            }
            throw unavailable(mailbox, e);
        } catch (BudgetUnavailableException e) {
            throw e;
        } catch (RuntimeException e) {
            throw unavailable(mailbox, e);
        }
    }

    private static String joined(TableEntity e) {
        Object chunks = e.getProperty("Chunks");
        if (!(chunks instanceof Number n)) {
            throw new IllegalArgumentException("no chunk count");
        }
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < n.intValue(); i++) {
            Object part = e.getProperty("W" + i);
            if (!(part instanceof String text)) {
                throw new IllegalArgumentException("chunk " + i + " missing");
            }
            b.append(text);
        }
        return b.toString();
    }

    private static void pause(int attempt) {
        long ceiling = Math.min(200, 5L << Math.min(attempt, 6));
        try {
            Thread.sleep(ThreadLocalRandom.current().nextLong(1, ceiling + 1));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new BudgetUnavailableException("interrupted while the budget was contended", e);
        }
    }

    private static BudgetUnavailableException unavailable(Mailbox mailbox, RuntimeException e) {
        String status = e instanceof TableServiceException t && t.getResponse() != null ? " (HTTP " + t.getResponse().getStatusCode() + ")" : "";
        return new BudgetUnavailableException("the budget store cannot be reached for " + mailbox + status + ": " + e.getClass().getSimpleName(), e);
    }

    private static int status(TableServiceException e) {
        return e.getResponse() == null ? 0 : e.getResponse().getStatusCode();
    }

    /** Creates the table now if missing; a failed creation (storage unreachable) is tried again on the next use. */
    public void createIfMissing() {
        tables.createIfMissing();
    }

    private TableClient table() {
        try {
            return tables.get();
        } catch (RuntimeException e) {
            throw new BudgetUnavailableException("the budget table cannot be reached or created: " + e.getClass().getSimpleName(), e);
        }
    }

    /** The mailbox's own partition (its key may hold characters a key cannot). */
    static String partition(Mailbox mailbox) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(mailbox.key().getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
