package io.graphmailer.adapter.out.storage;

import com.azure.core.http.rest.Response;
import com.azure.data.tables.TableClient;
import com.azure.data.tables.models.TableEntity;
import com.azure.data.tables.models.TableEntityUpdateMode;
import com.azure.data.tables.models.TableServiceException;
import io.graphmailer.adapter.out.azure.AzureClients;
import io.graphmailer.application.port.out.SendLedger;
import io.graphmailer.config.GraphMailerConfig;
import io.graphmailer.domain.LedgerEntry;
import jakarta.inject.Inject;
import jakarta.inject.Singleton;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.temporal.ChronoUnit;
import java.util.HexFormat;
import java.util.function.Supplier;

/**
 * The send ledger in Azure Table Storage. Row key is the SHA-256 of the idempotency key (any text is
 * allowed as a key); partitions spread over the first hex digits. Claims of an attempt are
 * conditional (insert, or replace if the ETag is unchanged) so two workers cannot both win one; each carries
 * {@code LeaseUntil}, the time until which its worker may still be sending. The table ({@code graph-mailer.storage.ledger-table})
 * is reached, and created if missing, on first use, once.
 */
@Singleton
public final class TableSendLedger implements SendLedger {
    private static final int MAX_DETAIL = 8_000;

    private final TableOnFirstUse tables;
    private final Clock clock;

    @Inject
    TableSendLedger(GraphMailerConfig config, AzureClients clients) {
        this(() -> clients.table(config.storage().ledgerTable()), Clock.systemUTC());
    }

    /** Tests: an existing client; the table is created on first use like the bean's. */
    public TableSendLedger(TableClient table, Clock clock) {
        this(() -> table, clock);
    }

    private TableSendLedger(Supplier<TableClient> client, Clock clock) {
        this.tables = new TableOnFirstUse(client);
        this.clock = clock;
    }

    /** Creates the table now if missing; a failed creation (storage unreachable) is tried again on the next use. */
    public void createIfMissing() {
        tables.createIfMissing();
    }

    private TableClient table() {
        return tables.get();
    }

    @Override
    public Start start(String key, String trackingId, Instant leaseUntil) {
        String row = rowKey(key);
        Instant now = clock.instant();
        TableEntity entity = attemptEntity(key, row, trackingId, 1, now, leaseUntil);
        try {
            Response<Void> response = table().createEntityWithResponse(entity, null, null);
            return new Start(new LedgerEntry(key, LedgerEntry.State.ATTEMPTING, trackingId, 1, now, null, etag(response), leaseUntil), null);
        } catch (TableServiceException e) {
            if (status(e) != 409) {
                throw e;
            }
        }
        return new Start(null, toEntry(key, table().getEntity(partition(row), row)));
    }

    @Override
    public LedgerEntry recordAttempt(LedgerEntry previous, Instant leaseUntil) {
        return claim(previous, previous.sendAttempts() + 1, leaseUntil);
    }

    @Override
    public LedgerEntry renewLease(LedgerEntry current, Instant leaseUntil) {
        // Conditional on the ETag of a fresh read, not the one a write answered with: Azurite's answer to a write carries
        // an ETag that a later If-Match refuses (400). A renewal is rare (every half lease), so the read costs little.
        String row = rowKey(current.key());
        LedgerEntry seen = toEntry(current.key(), table().getEntity(partition(row), row));
        if (seen.state() != LedgerEntry.State.ATTEMPTING || seen.sendAttempts() != current.sendAttempts() || seen.leaseUntil() == null
                || current.leaseUntil() == null
                || !seen.leaseUntil().truncatedTo(ChronoUnit.MILLIS).equals(current.leaseUntil().truncatedTo(ChronoUnit.MILLIS))) {
            throw new ConcurrentAttemptException(current.key()); // the outcome was written, or another worker claimed it
        }
        return claim(seen, seen.sendAttempts(), leaseUntil);
    }

    /** A conditional replace (ETag of {@code previous}): of two workers writing from the same read, only one wins. */
    private LedgerEntry claim(LedgerEntry previous, int attempts, Instant leaseUntil) {
        String row = rowKey(previous.key());
        Instant now = clock.instant();
        TableEntity entity = attemptEntity(previous.key(), row, previous.trackingId(), attempts, now, leaseUntil);
        entity.addProperty("odata.etag", previous.etag()); // the SDK reads the ETag from this property
        try {
            Response<Void> response = table().updateEntityWithResponse(entity, TableEntityUpdateMode.REPLACE, true, null, null);
            return new LedgerEntry(previous.key(), LedgerEntry.State.ATTEMPTING, previous.trackingId(), attempts, now, null, etag(response),
                    leaseUntil);
        } catch (TableServiceException e) {
            if (status(e) == 412 || status(e) == 409) {
                throw new ConcurrentAttemptException(previous.key());
            }
            throw e;
        }
    }

    private static TableEntity attemptEntity(String key, String row, String trackingId, int attempts, Instant now, Instant leaseUntil) {
        return new TableEntity(partition(row), row)
                .addProperty("LeaseUntil", OffsetDateTime.ofInstant(leaseUntil, java.time.ZoneOffset.UTC))
                .addProperty("IdempotencyKey", truncate(key, 1024))
                .addProperty("State", LedgerEntry.State.ATTEMPTING.name())
                .addProperty("TrackingId", trackingId)
                .addProperty("SendAttempts", attempts)
                .addProperty("UpdatedAt", OffsetDateTime.ofInstant(now, java.time.ZoneOffset.UTC));
    }

    private static String etag(Response<Void> response) {
        return response.getHeaders().getValue(com.azure.core.http.HttpHeaderName.ETAG);
    }

    private static int status(TableServiceException e) {
        return e.getResponse() == null ? 0 : e.getResponse().getStatusCode();
    }

    @Override
    public void recordOutcome(LedgerEntry entry) {
        table().upsertEntity(outcomeEntity(entry, rowKey(entry.key())));
    }

    private static TableEntity outcomeEntity(LedgerEntry entry, String row) {
        TableEntity entity = new TableEntity(partition(row), row)
                .addProperty("IdempotencyKey", truncate(entry.key(), 1024))
                .addProperty("State", entry.state().name())
                .addProperty("TrackingId", entry.trackingId())
                .addProperty("SendAttempts", entry.sendAttempts())
                .addProperty("UpdatedAt", OffsetDateTime.ofInstant(entry.updatedAt(), java.time.ZoneOffset.UTC));
        if (entry.detail() != null) {
            entity.addProperty("Detail", truncate(entry.detail(), MAX_DETAIL));
        }
        if (entry.leaseUntil() != null) {
            entity.addProperty("LeaseUntil", OffsetDateTime.ofInstant(entry.leaseUntil(), java.time.ZoneOffset.UTC));
        }
        return entity;
    }

    @Override
    public void recordWaiting(String key, String trackingId, String mailbox, String limit, String reason) {
        String row = rowKey(key);
        Instant now = clock.instant();
        TableEntity waiting = new TableEntity(partition(row), row)
                .addProperty("IdempotencyKey", truncate(key, 1024))
                .addProperty("State", LedgerEntry.State.WAITING.name())
                .addProperty("TrackingId", trackingId)
                .addProperty("SendAttempts", 0)
                .addProperty("UpdatedAt", OffsetDateTime.ofInstant(now, java.time.ZoneOffset.UTC))
                .addProperty("Mailbox", mailbox)
                .addProperty("WaitingFor", limit)
                .addProperty("WaitingSince", OffsetDateTime.ofInstant(now, java.time.ZoneOffset.UTC))
                .addProperty("Detail", truncate(reason, MAX_DETAIL));
        try {
            table().createEntity(waiting);
            return;
        } catch (TableServiceException e) {
            if (status(e) != 409) {
                throw e;
            }
        }
        // Known already: keep its state, attempts and claim; add the reason beside them, conditional on an unchanged entry.
        TableEntity seen = table().getEntity(partition(row), row);
        if (LedgerEntry.State.SENT.name().equals(seen.getProperty("State"))) {
            return;
        }
        TableEntity reasonOnly = new TableEntity(partition(row), row)
                .addProperty("WaitingFor", limit)
                .addProperty("WaitingSince", OffsetDateTime.ofInstant(now, java.time.ZoneOffset.UTC))
                .addProperty("WaitingDetail", truncate(reason, MAX_DETAIL));
        if (LedgerEntry.State.WAITING.name().equals(seen.getProperty("State"))) {
            reasonOnly.addProperty("Detail", truncate(reason, MAX_DETAIL));
        }
        reasonOnly.addProperty("odata.etag", seen.getETag());
        try {
            table().updateEntityWithResponse(reasonOnly, TableEntityUpdateMode.MERGE, true, null, null);
        } catch (TableServiceException e) {
            if (status(e) != 412 && status(e) != 409) {
                throw e;
            }
            // Another worker wrote the entry meanwhile (a claim or an outcome): its write stands.
        }
    }

    @Override
    public void recordSent(LedgerEntry sent, String mailbox, int recipients) {
        String row = rowKey(sent.key());
        TableEntity entity = outcomeEntity(sent, row)
                .addProperty("Mailbox", mailbox)
                .addProperty("Recipients", recipients);
        table().upsertEntity(entity);
    }

    /** A message the ledger recorded as sent: when (its outcome's time) and to how many recipients. */
    public record SentRecipients(Instant at, int recipients) {
    }

    /**
     * The SENT entries of {@code mailbox} since {@code since}, with their recipients. The ledger is partitioned by the
     * key's hash, not by mailbox, so this is a filtered scan of the whole table: for rebuilding a lost budget only.
     */
    public java.util.List<SentRecipients> sentSince(String mailbox, Instant since) {
        String filter = "Mailbox eq '" + mailbox.replace("'", "''") + "' and State eq 'SENT' and UpdatedAt ge datetime'"
                + since.truncatedTo(ChronoUnit.SECONDS) + "'";
        java.util.List<SentRecipients> found = new java.util.ArrayList<>();
        for (TableEntity e : table().listEntities(new com.azure.data.tables.models.ListEntitiesOptions().setFilter(filter)
                .setSelect(java.util.List.of("UpdatedAt", "Recipients")), null, null)) {
            Object at = e.getProperty("UpdatedAt");
            Object n = e.getProperty("Recipients");
            if (at instanceof OffsetDateTime odt && n instanceof Number count) {
                found.add(new SentRecipients(odt.toInstant(), count.intValue()));
            }
        }
        return found;
    }

    private static LedgerEntry toEntry(String key, TableEntity e) {
        Object updated = e.getProperty("UpdatedAt");
        Instant updatedAt = updated instanceof OffsetDateTime odt ? odt.toInstant() : Instant.EPOCH;
        Object attempts = e.getProperty("SendAttempts");
        // Entries written before leases existed have none: their claim counts as ran out.
        Instant leaseUntil = e.getProperty("LeaseUntil") instanceof OffsetDateTime lease ? lease.toInstant() : null;
        return new LedgerEntry(key, LedgerEntry.State.valueOf((String) e.getProperty("State")), (String) e.getProperty("TrackingId"),
                attempts instanceof Number n ? n.intValue() : 0, updatedAt, (String) e.getProperty("Detail"), e.getETag(), leaseUntil);
    }

    static String rowKey(String key) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(key.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static String partition(String rowKey) {
        return rowKey.substring(0, 2);
    }

    private static String truncate(String s, int max) {
        return s.length() <= max ? s : s.substring(0, max);
    }
}
