package io.graphmailer.adapter.out.storage;

import com.azure.data.tables.TableClient;
import com.azure.data.tables.TableClientBuilder;
import com.azure.data.tables.TableServiceClientBuilder;
import com.azure.data.tables.models.ListTablesOptions;
import io.graphmailer.application.port.out.SendLedger;
import io.graphmailer.domain.LedgerEntry;
import io.graphmailer.support.Azurite;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.time.Clock;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The ledger's claims against Azurite's Table service: of two workers claiming one key, exactly one wins. */
class TableSendLedgerTest {
    private TableSendLedger ledger;

    @BeforeEach
    void setUp() {
        TableClient table = new TableClientBuilder().connectionString(Azurite.shared().connectionString()).tableName("ledgerclaims").buildClient();
        ledger = new TableSendLedger(table, Clock.systemUTC());
        ledger.createIfMissing();
    }

    @Test
    void givenTwoWorkersStartingTheSameKeyAtOnce_thenExactlyOneGetsTheAttemptAndTheOtherSeesItsLease() throws Exception {
        String key = "claim-" + UUID.randomUUID();
        // Table Storage keeps DateTime to the 100 ns tick; compare at millisecond precision.
        Instant lease = Instant.now().plusSeconds(60).truncatedTo(ChronoUnit.MILLIS);
        ExecutorService pool = Executors.newFixedThreadPool(8);
        List<Future<SendLedger.Start>> starts = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            starts.add(pool.submit((Callable<SendLedger.Start>) () -> ledger.start(key, "tracking", lease)));
        }
        int attempts = 0;
        for (Future<SendLedger.Start> f : starts) {
            SendLedger.Start start = f.get();
            if (start.attempt() != null) {
                attempts++;
            } else {
                assertThat(start.existing().inProgressAt(Instant.now())).as("in progress, not unknown").isTrue();
                assertThat(start.existing().leaseUntil()).isEqualTo(lease);
            }
        }
        pool.shutdown();
        assertThat(attempts).isEqualTo(1);
    }

    @Test
    void givenTwoWorkersClaimingTheNextAttemptFromTheSameRead_thenTheSecondClaimFails() {
        String key = "reclaim-" + UUID.randomUUID();
        LedgerEntry first = ledger.start(key, "tracking", Instant.now().minusSeconds(1)).attempt();
        ledger.recordOutcome(first.leaseEnded("GraphTimeout", Instant.now()));
        LedgerEntry read = ledger.start(key, "tracking", Instant.now().plusSeconds(60)).existing();
        assertThat(read.inProgressAt(Instant.now())).as("its lease ended: outcome unknown").isFalse();

        LedgerEntry won = ledger.recordAttempt(read, Instant.now().plusSeconds(60));
        assertThat(won.sendAttempts()).isEqualTo(2);
        assertThatThrownBy(() -> ledger.recordAttempt(read, Instant.now().plusSeconds(60)))
                .isInstanceOf(SendLedger.ConcurrentAttemptException.class);
    }

    @Test
    void givenAClaimStillHeld_thenItsLeaseIsRenewedAndARenewalAfterTheOutcomeFails() {
        String key = "renew-" + UUID.randomUUID();
        SendLedger.Start start = ledger.start(key, "tracking", Instant.now().plusSeconds(5));
        Instant later = Instant.now().plusSeconds(120);
        LedgerEntry renewed = ledger.renewLease(start.attempt(), later);
        assertThat(renewed.sendAttempts()).as("the same attempt").isEqualTo(1);
        SendLedger.Start seen = ledger.start(key, "tracking", Instant.now());
        assertThat(seen.existing().leaseUntil().truncatedTo(ChronoUnit.MILLIS)).isEqualTo(later.truncatedTo(ChronoUnit.MILLIS));

        ledger.recordOutcome(renewed.with(LedgerEntry.State.SENT, null, Instant.now()));
        assertThatThrownBy(() -> ledger.renewLease(renewed, later.plusSeconds(60)))
                .isInstanceOf(SendLedger.ConcurrentAttemptException.class);
        assertThat(ledger.start(key, "tracking", Instant.now()).existing().state()).isEqualTo(LedgerEntry.State.SENT);
    }

    @Test
    void givenNoUseYet_thenTheTableIsNotCreatedAndTheFirstClaimCreatesIt() {
        String name = "ledgerfirstuse" + UUID.randomUUID().toString().replace("-", "").substring(0, 8);
        TableSendLedger lazy = new TableSendLedger(new TableClientBuilder().connectionString(Azurite.shared().connectionString())
                .tableName(name).buildClient(), Clock.systemUTC());
        assertThat(tablesNamed(name)).as("building the adapter calls no storage").isEmpty();

        SendLedger.Start start = lazy.start("first-use", "tracking", Instant.now().plusSeconds(60));

        assertThat(start.attempt()).isNotNull();
        assertThat(tablesNamed(name)).containsExactly(name);
    }

    private static List<String> tablesNamed(String name) {
        return new TableServiceClientBuilder().connectionString(Azurite.shared().connectionString()).buildClient()
                .listTables(new ListTablesOptions().setFilter("TableName eq '" + name + "'"), null, null).stream()
                .map(t -> t.getName()).toList();
    }
    @Test
    void givenAKeyWaitingForTheBudget_thenItsEntryIsWaitingWithNoAttemptAndTheNextDeliveryClaimsAttemptOne() {
        String key = "waiting-" + UUID.randomUUID();
        ledger.recordWaiting(key, "tracking", "ops@contoso.example", "messages-per-minute", "waiting for the mailbox's messages-per-minute budget");
        SendLedger.Start start = ledger.start(key, "tracking", Instant.now().plusSeconds(60));
        assertThat(start.attempt()).isNull();
        assertThat(start.existing().state()).isEqualTo(LedgerEntry.State.WAITING);
        assertThat(start.existing().sendAttempts()).isZero();
        assertThat(start.existing().detail()).contains("messages-per-minute");
        assertThat(start.existing().inProgressAt(Instant.now())).as("a wait claims nothing").isFalse();
        LedgerEntry claimed = ledger.recordAttempt(start.existing(), Instant.now().plusSeconds(60));
        assertThat(claimed.sendAttempts()).isEqualTo(1);
    }

    @Test
    void givenAKeyAlreadyRetryingThenWaiting_thenItKeepsItsStateAndAttempts() {
        String key = "retrying-" + UUID.randomUUID();
        SendLedger.Start first = ledger.start(key, "tracking", Instant.now().plusSeconds(60));
        ledger.recordOutcome(first.attempt().with(LedgerEntry.State.RETRY_SCHEDULED, "ApplicationThrottled", Instant.now()));
        ledger.recordWaiting(key, "tracking", "ops@contoso.example", "recipients-per-day", "waiting for the daily budget");
        LedgerEntry seen = ledger.start(key, "tracking", Instant.now().plusSeconds(60)).existing();
        assertThat(seen.state()).isEqualTo(LedgerEntry.State.RETRY_SCHEDULED);
        assertThat(seen.sendAttempts()).isEqualTo(1);
    }

    @Test
    void givenSentEntriesWithRecipients_thenSentSinceReturnsThoseOfTheMailboxInTheWindow() {
        String mailbox = "rebuild-" + UUID.randomUUID().toString().substring(0, 8) + "@contoso.example";
        for (int i = 0; i < 3; i++) {
            String key = "sent-" + UUID.randomUUID();
            SendLedger.Start start = ledger.start(key, "tracking", Instant.now().plusSeconds(60));
            ledger.recordSent(start.attempt().with(LedgerEntry.State.SENT, null, Instant.now()), mailbox, 10 + i);
        }
        String other = "other-" + UUID.randomUUID();
        ledger.recordSent(ledger.start(other, "t", Instant.now().plusSeconds(60)).attempt().with(LedgerEntry.State.SENT, null, Instant.now()),
                "someone-else@contoso.example", 99);
        List<TableSendLedger.SentRecipients> sent = ledger.sentSince(mailbox, Instant.now().minusSeconds(3600));
        assertThat(sent).extracting(TableSendLedger.SentRecipients::recipients).containsExactlyInAnyOrder(10, 11, 12);
        assertThat(ledger.sentSince(mailbox, Instant.now().plusSeconds(3600))).isEmpty();
    }
}
