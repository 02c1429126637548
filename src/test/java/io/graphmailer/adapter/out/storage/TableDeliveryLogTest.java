package io.graphmailer.adapter.out.storage;

import com.azure.data.tables.TableClient;
import com.azure.data.tables.TableClientBuilder;
import io.graphmailer.application.RetentionPurge;
import io.graphmailer.domain.delivery.DeliveryEvent;
import io.graphmailer.domain.delivery.DeliveryFacts;
import io.graphmailer.domain.delivery.DeliveryPage;
import io.graphmailer.domain.delivery.DeliveryQuery;
import io.graphmailer.domain.delivery.DeliveryRecord;
import io.graphmailer.domain.delivery.DeliveryState;
import io.graphmailer.domain.delivery.Trigger;
import io.graphmailer.support.Azurite;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The delivery log against Azurite's Table service: concurrent writers, filters, paging, retention. */
class TableDeliveryLogTest {
    private static final String APP_A = "aaaaaaaa-0000-0000-0000-000000000001";
    private static final String APP_B = "bbbbbbbb-0000-0000-0000-000000000002";

    private TableDeliveryLog log;
    private String mailbox;

    @BeforeEach
    void setUp() {
        // Each test its own table: listing and purging see only this test's records.
        String name = "deliveries" + UUID.randomUUID().toString().replace("-", "").substring(0, 12);
        TableClient table = new TableClientBuilder().connectionString(Azurite.shared().connectionString()).tableName(name).buildClient();
        log = new TableDeliveryLog(() -> table);
        mailbox = "noreply@contoso.example";
    }

    private DeliveryFacts facts(String app) {
        return new DeliveryFacts(mailbox, Trigger.HTTP, app, null, 2, 1234, List.of());
    }

    @Test
    void givenEightWritersAppendingToOneRecordAtOnce_thenNoEventIsLostAndTheStateIsTheLatest() throws Exception {
        String id = UUID.randomUUID().toString();
        Instant t0 = Instant.now().truncatedTo(ChronoUnit.MILLIS);
        log.accepted(id, facts(APP_A), new DeliveryEvent(t0, DeliveryState.ACCEPTED, "HTTP"));
        ExecutorService pool = Executors.newFixedThreadPool(8);
        List<Future<?>> writes = new ArrayList<>();
        for (int i = 1; i <= 16; i++) {
            Instant at = t0.plusMillis(i);
            DeliveryState state = i == 16 ? DeliveryState.SENT : DeliveryState.RETRYING;
            String reason = "writer " + i;
            writes.add(pool.submit(() -> log.record(id, new DeliveryEvent(at, state, reason), state == DeliveryState.SENT ? "req-16" : null)));
        }
        for (Future<?> f : writes) {
            f.get();
        }
        pool.shutdown();
        DeliveryRecord r = log.find(id).orElseThrow();
        assertThat(r.history()).hasSize(17);
        assertThat(r.history().get(0).state()).isEqualTo(DeliveryState.ACCEPTED);
        assertThat(r.history().get(16).reason()).isEqualTo("writer 16");
        assertThat(r.state()).isEqualTo(DeliveryState.SENT);
        assertThat(r.updatedAt()).isEqualTo(t0.plusMillis(16));
        assertThat(r.acceptedAt()).isEqualTo(t0);
        assertThat(r.graphRequestId()).isEqualTo("req-16");
        assertThat(r.facts().callerApp()).isEqualTo(APP_A);
        assertThat(r.facts().recipientCount()).isEqualTo(2);
        assertThat(r.facts().sizeBytes()).isEqualTo(1234);
    }

    @Test
    void givenAnEventBeforeItsAcceptance_thenTheRecordGetsItsFactsLaterAndKeepsBoth() {
        String id = UUID.randomUUID().toString();
        Instant t0 = Instant.now().truncatedTo(ChronoUnit.MILLIS);
        log.record(id, new DeliveryEvent(t0.plusMillis(5), DeliveryState.SENDING, ""), null);
        assertThat(log.find(id).orElseThrow().facts()).isNull();
        log.accepted(id, facts(APP_B), new DeliveryEvent(t0, DeliveryState.ACCEPTED, "QUEUE"));
        DeliveryRecord r = log.find(id).orElseThrow();
        assertThat(r.facts().callerApp()).isEqualTo(APP_B);
        assertThat(r.state()).as("the latest event by time, not the last written").isEqualTo(DeliveryState.SENDING);
        assertThat(r.history()).extracting(DeliveryEvent::state).containsExactly(DeliveryState.ACCEPTED, DeliveryState.SENDING);
    }

    @Test
    void givenRecordsOfTwoApps_thenListingFiltersByAppStateAndTimeAndPagesThroughAllWithTokens() {
        Instant t0 = Instant.now().truncatedTo(ChronoUnit.MILLIS);
        Set<String> ofA = new HashSet<>();
        for (int i = 0; i < 7; i++) {
            String id = UUID.randomUUID().toString();
            log.accepted(id, facts(APP_A), new DeliveryEvent(t0.plusSeconds(i), DeliveryState.ACCEPTED, "HTTP"));
            log.record(id, new DeliveryEvent(t0.plusSeconds(i).plusMillis(1), DeliveryState.SENT, ""), "r" + i);
            ofA.add(id);
        }
        String failedOfB = UUID.randomUUID().toString();
        log.accepted(failedOfB, facts(APP_B), new DeliveryEvent(t0, DeliveryState.ACCEPTED, "HTTP"));
        log.record(failedOfB, new DeliveryEvent(t0.plusMillis(1), DeliveryState.FAILED, "ErrorAccessDenied"), null);

        Set<String> seen = new HashSet<>();
        String token = null;
        int pages = 0;
        do {
            DeliveryPage page = log.list(new DeliveryQuery(null, null, null, null, APP_A, 3, token));
            assertThat(page.records().size()).isLessThanOrEqualTo(3);
            page.records().forEach(r -> assertThat(r.facts().callerApp()).isEqualTo(APP_A));
            page.records().forEach(r -> assertThat(seen.add(r.trackingId())).as("each record once").isTrue());
            token = page.nextPageToken();
            pages++;
        } while (token != null && pages < 20);
        assertThat(seen).isEqualTo(ofA);
        assertThat(pages).isGreaterThanOrEqualTo(3);

        assertThat(log.list(new DeliveryQuery(null, DeliveryState.FAILED, null, null, null, 100, null)).records())
                .extracting(DeliveryRecord::trackingId).containsExactly(failedOfB);
        assertThat(log.list(new DeliveryQuery(mailbox, DeliveryState.SENT, t0.plusSeconds(5), null, null, 100, null)).records())
                .hasSize(2);
        assertThat(log.list(new DeliveryQuery("other@contoso.example", null, null, null, null, 100, null)).records()).isEmpty();
        assertThat(log.list(new DeliveryQuery(null, null, null, t0.plusSeconds(1), APP_A, 100, null)).records()).hasSize(1);
    }

    @Test
    void givenAPageTokenItDidNotGive_thenTheListingRefusesIt() {
        assertThatThrownBy(() -> log.list(new DeliveryQuery(null, null, null, null, null, 10, "not-a-token!")))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void givenRecordsOlderThanTheRetention_thenThePurgeRemovesThemWithTheirEventsAndKeepsTheRest() {
        Instant now = Instant.now().truncatedTo(ChronoUnit.MILLIS);
        String old = UUID.randomUUID().toString();
        String recent = UUID.randomUUID().toString();
        log.accepted(old, facts(APP_A), new DeliveryEvent(now.minus(Duration.ofDays(31)), DeliveryState.ACCEPTED, "HTTP"));
        log.record(old, new DeliveryEvent(now.minus(Duration.ofDays(31)).plusMillis(1), DeliveryState.SENT, ""), null);
        log.accepted(recent, facts(APP_A), new DeliveryEvent(now.minus(Duration.ofDays(29)), DeliveryState.ACCEPTED, "HTTP"));

        RetentionPurge purge = new RetentionPurge(log, Duration.ofDays(30));
        assertThat(purge.purgeIfDue(now)).isEqualTo(1);
        assertThat(log.find(old)).isEmpty();
        assertThat(log.find(recent)).isPresent();
        assertThat(log.list(new DeliveryQuery(null, null, null, null, null, 100, null)).records())
                .extracting(DeliveryRecord::trackingId).containsExactly(recent);
        // At most once an hour: the next tick does not scan again.
        log.accepted(old, facts(APP_A), new DeliveryEvent(now.minus(Duration.ofDays(40)), DeliveryState.ACCEPTED, "HTTP"));
        assertThat(purge.purgeIfDue(now.plusSeconds(60))).isZero();
        assertThat(purge.purgeIfDue(now.plus(Duration.ofMinutes(61)))).isEqualTo(1);
    }

    @Test
    void givenUnreachableStorage_thenThePurgeFailsQuietlyAndTheTickGoesOn() {
        TableClient dead = new TableClientBuilder()
                .connectionString(Azurite.shared().connectionString().replace(":" + Azurite.shared().tablePort() + "/", ":1/"))
                .tableName("unreachable").buildClient();
        RetentionPurge purge = new RetentionPurge(new TableDeliveryLog(() -> dead), Duration.ofDays(30));
        assertThat(purge.purgeIfDue(Instant.now())).isZero();
    }
}
