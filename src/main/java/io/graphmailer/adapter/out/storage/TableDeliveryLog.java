package io.graphmailer.adapter.out.storage;

import com.azure.core.http.rest.PagedResponse;
import com.azure.data.tables.TableClient;
import com.azure.data.tables.models.ListEntitiesOptions;
import com.azure.data.tables.models.TableEntity;
import com.azure.data.tables.models.TableEntityUpdateMode;
import com.azure.data.tables.models.TableServiceException;
import io.graphmailer.adapter.out.azure.AzureClients;
import io.graphmailer.application.port.out.DeliveryLog;
import io.graphmailer.config.GraphMailerConfig;
import io.graphmailer.domain.delivery.DeliveryEvent;
import io.graphmailer.domain.delivery.DeliveryFacts;
import io.graphmailer.domain.delivery.DeliveryPage;
import io.graphmailer.domain.delivery.DeliveryQuery;
import io.graphmailer.domain.delivery.DeliveryRecord;
import io.graphmailer.domain.delivery.DeliveryState;
import io.graphmailer.domain.delivery.Trigger;
import jakarta.enterprise.inject.Typed;
import jakarta.inject.Inject;
import jakarta.inject.Singleton;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.Comparator;
import java.util.Iterator;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Supplier;

/**
 * The delivery log in Azure Table Storage, one partition per tracking id (docs/adr/0017): every event is its own
 * row (an insert that cannot collide, so instances appending at once lose nothing), and one {@code summary} row holds
 * the facts, the state now, the times and the Graph request id, changed by read, merge, conditional replace (If-Match
 * the ETag read; a 412 or 409 reads again). A lost summary race is retried; the event rows stay the history either way.
 * The table ({@code graph-mailer.delivery-log.table}) is reached, and created if missing, on first use.
 */
@Singleton
@Typed(TableDeliveryLog.class)
public final class TableDeliveryLog implements DeliveryLog {
    static final String SUMMARY = "summary";
    static final int MAX_TRIES = 10;
    private static final int MAX_TEXT = 4_000;

    private final TableOnFirstUse tables;

    @Inject
    TableDeliveryLog(GraphMailerConfig config, AzureClients clients) {
        this(() -> clients.table(config.deliveryLog().table()));
    }

    /** Tests: an existing client; the table is created on first use like the bean's. */
    public TableDeliveryLog(Supplier<TableClient> client) {
        this.tables = new TableOnFirstUse(client);
    }

    private TableClient table() {
        return tables.get();
    }

    /** Reaches the table (creating it if missing) and reads at most one row: the health check's probe. */
    public void probe() {
        ListEntitiesOptions one = new ListEntitiesOptions().setTop(1).setFilter("RowKey eq '" + SUMMARY + "'");
        Iterator<PagedResponse<TableEntity>> pages = table().listEntities(one, null, null).iterableByPage().iterator();
        if (pages.hasNext()) {
            pages.next();
        }
    }

    @Override
    public void accepted(String trackingId, DeliveryFacts facts, DeliveryEvent event) {
        append(trackingId, event);
        summarize(trackingId, event, facts, null);
    }

    @Override
    public void record(String trackingId, DeliveryEvent event, String graphRequestId) {
        append(trackingId, event);
        summarize(trackingId, event, null, graphRequestId);
    }

    /** One row per event: its key orders by time and is unique (a random suffix), so concurrent appends never collide. */
    private void append(String trackingId, DeliveryEvent event) {
        String row = String.format("event-%015d-%08x", event.at().toEpochMilli(), ThreadLocalRandom.current().nextInt());
        table().createEntity(new TableEntity(key(trackingId), row)
                .addProperty("At", time(event.at()))
                .addProperty("State", event.state().name())
                .addProperty("Reason", truncate(event.reason())));
    }

    private void summarize(String trackingId, DeliveryEvent event, DeliveryFacts facts, String graphRequestId) {
        String pk = key(trackingId);
        for (int attempt = 1; ; attempt++) {
            TableEntity seen;
            try {
                seen = table().getEntity(pk, SUMMARY);
            } catch (TableServiceException e) {
                if (status(e) != 404) {
                    throw e;
                }
                seen = null;
            }
            TableEntity next = merged(pk, seen, event, facts, graphRequestId);
            try {
                if (seen == null) {
                    table().createEntity(next);
                } else {
                    next.addProperty("odata.etag", seen.getETag()); // the SDK reads the ETag from this property
                    table().updateEntityWithResponse(next, TableEntityUpdateMode.REPLACE, true, null, null);
                }
                return;
            } catch (TableServiceException e) {
                if ((status(e) != 412 && status(e) != 409) || attempt >= MAX_TRIES) {
                    throw e;
                }
            }
            pause(attempt);
        }
    }

    /** The summary after {@code event}: the state of the latest event by time; facts and request id once known. */
    static TableEntity merged(String pk, TableEntity seen, DeliveryEvent event, DeliveryFacts facts, String graphRequestId) {
        TableEntity next = new TableEntity(pk, SUMMARY);
        if (seen != null) {
            seen.getProperties().forEach((name, value) -> {
                if (!name.startsWith("odata.") && !name.equals("PartitionKey") && !name.equals("RowKey") && !name.equals("Timestamp")) {
                    next.addProperty(name, value);
                }
            });
        }
        Instant updated = instant(next.getProperty("UpdatedAt"));
        if (updated == null || !event.at().isBefore(updated)) {
            next.addProperty("State", event.state().name());
            next.addProperty("UpdatedAt", time(event.at()));
        }
        Instant accepted = instant(next.getProperty("AcceptedAt"));
        if (accepted == null || event.at().isBefore(accepted)) {
            next.addProperty("AcceptedAt", time(event.at()));
        }
        if (facts != null && !Boolean.TRUE.equals(next.getProperty("HasFacts"))) {
            next.addProperty("HasFacts", true)
                    .addProperty("Mailbox", facts.mailbox())
                    .addProperty("Trigger", facts.trigger().name())
                    .addProperty("RecipientCount", facts.recipientCount())
                    .addProperty("SizeBytes", facts.sizeBytes());
            if (facts.callerApp() != null) {
                next.addProperty("CallerApp", facts.callerApp());
            }
            if (facts.idempotencyKey() != null) {
                next.addProperty("IdempotencyKey", truncate(facts.idempotencyKey()));
            }
            if (!facts.recipients().isEmpty()) {
                next.addProperty("Recipients", truncate(String.join("\n", facts.recipients())));
            }
        }
        if (graphRequestId != null) {
            next.addProperty("GraphRequestId", graphRequestId);
        }
        return next;
    }

    @Override
    public Optional<DeliveryRecord> find(String trackingId) {
        TableEntity summary = null;
        List<DeliveryEvent> history = new ArrayList<>();
        ListEntitiesOptions partition = new ListEntitiesOptions().setFilter("PartitionKey eq '" + quote(key(trackingId)) + "'");
        for (TableEntity e : table().listEntities(partition, null, null)) {
            if (SUMMARY.equals(e.getRowKey())) {
                summary = e;
            } else {
                history.add(new DeliveryEvent(instant(e.getProperty("At")), DeliveryState.valueOf((String) e.getProperty("State")),
                        (String) e.getProperty("Reason")));
            }
        }
        if (summary == null) {
            return Optional.empty();
        }
        history.sort(Comparator.comparing(DeliveryEvent::at));
        return Optional.of(toRecord(summary, history));
    }

    /**
     * Summary rows matching the filters, one storage page at a time (a filtered page may hold fewer than
     * {@code pageSize}): newest first within the page; the pages follow the table's key order (see docs/adr/0017).
     */
    @Override
    public DeliveryPage list(DeliveryQuery q) {
        StringBuilder filter = new StringBuilder("RowKey eq '" + SUMMARY + "'");
        if (q.mailbox() != null) {
            filter.append(" and Mailbox eq '").append(quote(q.mailbox())).append("'");
        }
        if (q.state() != null) {
            filter.append(" and State eq '").append(q.state().name()).append("'");
        }
        if (q.since() != null) {
            filter.append(" and UpdatedAt ge datetime'").append(q.since().truncatedTo(ChronoUnit.MILLIS)).append("'");
        }
        if (q.until() != null) {
            filter.append(" and UpdatedAt lt datetime'").append(q.until().truncatedTo(ChronoUnit.MILLIS)).append("'");
        }
        if (q.callerApp() != null) {
            filter.append(" and CallerApp eq '").append(quote(q.callerApp())).append("'");
        }
        ListEntitiesOptions options = new ListEntitiesOptions().setFilter(filter.toString()).setTop(q.pageSize());
        String continuation = q.pageToken() == null ? null : decodeToken(q.pageToken());
        Iterator<PagedResponse<TableEntity>> pages = (continuation == null
                ? table().listEntities(options, null, null).iterableByPage()
                : table().listEntities(options, null, null).iterableByPage(continuation)).iterator();
        if (!pages.hasNext()) {
            return new DeliveryPage(List.of(), null);
        }
        PagedResponse<TableEntity> page = pages.next();
        List<DeliveryRecord> records = new ArrayList<>();
        for (TableEntity e : page.getValue()) {
            records.add(toRecord(e, List.of()));
        }
        records.sort(Comparator.comparing(DeliveryRecord::updatedAt).reversed().thenComparing(DeliveryRecord::trackingId));
        String next = page.getContinuationToken();
        return new DeliveryPage(records, next == null || next.isBlank() ? null : encodeToken(next));
    }

    @Override
    public int purgeUpdatedBefore(Instant cutoff) {
        ListEntitiesOptions old = new ListEntitiesOptions()
                .setFilter("RowKey eq '" + SUMMARY + "' and UpdatedAt lt datetime'" + cutoff.truncatedTo(ChronoUnit.MILLIS) + "'")
                .setSelect(List.of("PartitionKey", "RowKey"));
        List<String> partitions = new ArrayList<>();
        for (TableEntity e : table().listEntities(old, null, null)) {
            partitions.add(e.getPartitionKey());
        }
        for (String pk : partitions) {
            ListEntitiesOptions rows = new ListEntitiesOptions().setFilter("PartitionKey eq '" + quote(pk) + "'")
                    .setSelect(List.of("PartitionKey", "RowKey"));
            List<String> keys = new ArrayList<>();
            for (TableEntity e : table().listEntities(rows, null, null)) {
                keys.add(e.getRowKey());
            }
            // Events first, the summary last: a purge cut short leaves a summary that the next purge finds again.
            keys.sort(Comparator.comparing(SUMMARY::equals));
            for (String rk : keys) {
                try {
                    table().deleteEntity(pk, rk);
                } catch (TableServiceException e) {
                    if (status(e) != 404) {
                        throw e;
                    }
                }
            }
        }
        return partitions.size();
    }

    private static DeliveryRecord toRecord(TableEntity e, List<DeliveryEvent> history) {
        DeliveryFacts facts = null;
        if (Boolean.TRUE.equals(e.getProperty("HasFacts"))) {
            String recipients = (String) e.getProperty("Recipients");
            facts = new DeliveryFacts((String) e.getProperty("Mailbox"), Trigger.valueOf((String) e.getProperty("Trigger")),
                    (String) e.getProperty("CallerApp"), (String) e.getProperty("IdempotencyKey"),
                    number(e.getProperty("RecipientCount")).intValue(), number(e.getProperty("SizeBytes")).longValue(),
                    recipients == null || recipients.isEmpty() ? List.of() : Arrays.asList(recipients.split("\n")));
        }
        Instant updated = instant(e.getProperty("UpdatedAt"));
        Instant accepted = instant(e.getProperty("AcceptedAt"));
        return new DeliveryRecord(e.getPartitionKey(), facts, DeliveryState.valueOf((String) e.getProperty("State")),
                accepted != null ? accepted : updated, updated, (String) e.getProperty("GraphRequestId"), history);
    }

    private static Number number(Object value) {
        return value instanceof Number n ? n : 0;
    }

    private static Instant instant(Object value) {
        return value instanceof OffsetDateTime t ? t.toInstant() : null;
    }

    private static OffsetDateTime time(Instant at) {
        return OffsetDateTime.ofInstant(at, ZoneOffset.UTC);
    }

    /** Tracking ids are GUIDs; anything else a key may not hold is refused, never written. */
    static String key(String trackingId) {
        if (trackingId == null || !trackingId.matches("[A-Za-z0-9-]{1,64}")) {
            throw new IllegalArgumentException("a tracking id is a GUID");
        }
        return trackingId.toLowerCase(java.util.Locale.ROOT);
    }

    private static String quote(String s) {
        return s.replace("'", "''");
    }

    private static String truncate(String s) {
        return s == null ? "" : s.length() <= MAX_TEXT ? s : s.substring(0, MAX_TEXT);
    }

    /** The storage's continuation token, opaque to callers (base64url); a token that is not one is an invalid argument. */
    static String encodeToken(String continuation) {
        return Base64.getUrlEncoder().withoutPadding().encodeToString(("t1;" + continuation).getBytes(StandardCharsets.UTF_8));
    }

    static String decodeToken(String token) {
        String text;
        try {
            text = new String(Base64.getUrlDecoder().decode(token), StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("is not a page token this service gave");
        }
        if (!text.startsWith("t1;") || text.length() > 2_048) {
            throw new IllegalArgumentException("is not a page token this service gave");
        }
        return text.substring(3);
    }

    private static int status(TableServiceException e) {
        return e.getResponse() == null ? 0 : e.getResponse().getStatusCode();
    }

    private static void pause(int attempt) {
        try {
            Thread.sleep(ThreadLocalRandom.current().nextLong(5, 20L * attempt + 6));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while recording a delivery event", e);
        }
    }
}
