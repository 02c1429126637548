package io.graphmailer.adapter.in.cli;

import com.azure.data.tables.TableClient;
import com.azure.data.tables.TableClientBuilder;
import io.graphmailer.adapter.out.storage.TableDeliveryLog;
import io.graphmailer.application.DeliveriesService;
import io.graphmailer.domain.delivery.DeliveryEvent;
import io.graphmailer.domain.delivery.DeliveryFacts;
import io.graphmailer.domain.delivery.DeliveryState;
import io.graphmailer.domain.delivery.Trigger;
import io.graphmailer.support.Azurite;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;

/** `graph-mailer status` over the delivery log's table (Azurite): one row per mailbox, the last 24 hours only. */
class StatusCommandTest {

    @Test
    void givenRecordsOfTwoMailboxes_thenOneRowEachWithCountsByStateLastSentAndWaitingNow() {
        TableClient table = new TableClientBuilder().connectionString(Azurite.shared().connectionString())
                .tableName("status" + UUID.randomUUID().toString().replace("-", "").substring(0, 12)).buildClient();
        TableDeliveryLog log = new TableDeliveryLog(() -> table);
        Instant now = Instant.parse("2026-12-01T12:00:00Z");
        record(log, "noreply@contoso.example", now.minusSeconds(600), DeliveryState.SENT);
        record(log, "noreply@contoso.example", now.minusSeconds(300), DeliveryState.SENT);
        record(log, "noreply@contoso.example", now.minusSeconds(200), DeliveryState.WAITING);
        record(log, "alerts@contoso.example", now.minusSeconds(100), DeliveryState.DEAD_LETTERED);
        record(log, "alerts@contoso.example", now.minus(Duration.ofHours(25)), DeliveryState.SENT); // outside the window

        ByteArrayOutputStream out = new ByteArrayOutputStream();
        int exit = new StatusCommand(new DeliveriesService(log), Clock.fixed(now, ZoneOffset.UTC))
                .run(List.of(), new PrintStream(out, true, StandardCharsets.UTF_8));

        assertThat(exit).isZero();
        List<String> lines = out.toString(StandardCharsets.UTF_8).lines().toList();
        assertThat(lines.get(0)).isEqualTo("delivery log, last 24 h to 2026-12-01T12:00:00Z");
        assertThat(lines.get(1)).startsWith("mailbox").contains("sent", "waiting", "dead-lettered", "waiting-now", "last-sent");
        assertThat(lines).hasSize(4);
        String alerts = lines.get(2);
        String noreply = lines.get(3);
        assertThat(alerts).startsWith("alerts@contoso.example").endsWith("  -");
        assertThat(columns(alerts)).containsExactly("alerts@contoso.example", "0", "0", "0", "0", "0", "0", "1", "0", "0", "0", "0", "-");
        assertThat(columns(noreply)).containsExactly("noreply@contoso.example", "0", "1", "0", "2", "0", "0", "0", "0", "0", "0", "1",
                now.minusSeconds(300).truncatedTo(ChronoUnit.SECONDS).toString());
    }

    @Test
    void givenAnUnreadableLog_thenItSaysSoAndExits1() {
        TableClient dead = new TableClientBuilder()
                .connectionString(Azurite.shared().connectionString().replace(":" + Azurite.shared().tablePort() + "/", ":1/"))
                .tableName("unreachable").buildClient();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        int exit = new StatusCommand(new DeliveriesService(new TableDeliveryLog(() -> dead)))
                .run(List.of(), new PrintStream(out, true, StandardCharsets.UTF_8));
        assertThat(exit).isEqualTo(1);
        assertThat(out.toString(StandardCharsets.UTF_8)).startsWith("status: the delivery log cannot be read (");
    }

    private static List<String> columns(String line) {
        return List.of(line.trim().split("\\s+"));
    }

    private static void record(TableDeliveryLog log, String mailbox, Instant at, DeliveryState state) {
        String id = UUID.randomUUID().toString();
        log.accepted(id, new DeliveryFacts(mailbox, Trigger.QUEUE, null, "k-" + id, 1, 10, List.of()),
                new DeliveryEvent(at.minusMillis(5), DeliveryState.ACCEPTED, "QUEUE"));
        log.record(id, new DeliveryEvent(at, state, ""), null);
    }
}
