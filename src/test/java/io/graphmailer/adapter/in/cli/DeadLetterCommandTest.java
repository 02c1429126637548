package io.graphmailer.adapter.in.cli;

import io.graphmailer.application.DeadLetterService;
import io.graphmailer.application.InMemoryDeliveryLog;
import io.graphmailer.adapter.out.storage.StorageDeadLetterStore;
import io.graphmailer.adapter.out.storage.StorageMailQueue;
import io.graphmailer.support.Azurite;
import io.graphmailer.support.FunctionsHostDriver;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;

/** {@code graph-mailer deadletter ...} over Azurite's side queues. */
class DeadLetterCommandTest {
    private FunctionsHostDriver.Queues queues;
    private DeadLetterCommand command;

    @BeforeEach
    void setUp() {
        queues = FunctionsHostDriver.Queues.empty(Azurite.shared().connectionString(), "gm-dlcli-" + UUID.randomUUID().toString().substring(0, 8));
        StorageMailQueue enqueue = new StorageMailQueue(queues.outbox(), queues.deadLetter(), queues.poison(), Clock.systemUTC());
        command = new DeadLetterCommand(new DeadLetterService(new StorageDeadLetterStore(queues.deadLetter(), queues.poison()), enqueue,
                new InMemoryDeliveryLog(100), DeadLetterService.Settings.DEFAULTS, Clock.systemUTC()));
    }

    private record Run(int code, String out) {
    }

    private Run run(String... args) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        int code = command.run(List.of(args), new PrintStream(bytes, true, StandardCharsets.UTF_8));
        return new Run(code, bytes.toString(StandardCharsets.UTF_8));
    }

    private void keep(String code, String key) {
        String original = "{\"version\":1,\"mailbox\":\"noreply@contoso.example\",\"sendMail\":{\"message\":{\"subject\":\"s\"}},"
                + "\"idempotencyKey\":\"" + key + "\"}";
        queues.deadLetter().sendMessage("{\"keptBy\":\"graph-mailer\",\"queue\":\"dead-letter\",\"code\":\"" + code
                + "\",\"reason\":\"r\",\"at\":\"" + Instant.now() + "\",\"original\":"
                + com.fasterxml.jackson.databind.node.TextNode.valueOf(original) + "}");
    }

    @Test
    void givenKeptEntries_thenListPrintsOneRowEachAndTheCount() {
        keep("OutcomeUnknown", "k-1");
        keep("ErrorInvalidRecipients", "k-2");
        Run r = run("list", "--code=OutcomeUnknown");
        assertThat(r.code()).isZero();
        assertThat(r.out()).contains("OutcomeUnknown").contains("noreply@contoso.example").doesNotContain("ErrorInvalidRecipients")
                .contains("1 matching");
    }

    @Test
    void givenReplayDryRunThenReplay_thenOnlyTheSecondEnqueuesAndRemoves() {
        keep("OutcomeUnknown", "k-3");
        Run dry = run("replay", "--code=OutcomeUnknown", "--dry-run");
        assertThat(dry.code()).isZero();
        assertThat(dry.out()).startsWith("dry run: would have replayed 1 of 1");
        assertThat(queues.outbox().peekMessages(32, null, null).stream().count()).isZero();

        Run real = run("replay", "--code=OutcomeUnknown");
        assertThat(real.out()).startsWith("replayed 1 of 1");
        assertThat(queues.outbox().peekMessages(32, null, null).stream().count()).isEqualTo(1);
        assertThat(queues.deadLetter().peekMessages(32, null, null).stream().count()).isZero();
    }

    @Test
    void givenPurgeWithoutSelectionOrAnUnknownOption_thenUsageErrorExit2AndNothingRemoved() {
        keep("OutcomeUnknown", "k-4");
        assertThat(run("purge").code()).isEqualTo(2);
        Run bad = run("list", "--older-than=yesterday");
        assertThat(bad.code()).isEqualTo(2);
        assertThat(bad.out()).contains("--older-than");
        assertThat(run("purge", "--bogus").code()).isEqualTo(2);
        assertThat(run("show", "no-such-id").code()).isEqualTo(1);
        assertThat(queues.deadLetter().peekMessages(32, null, null).stream().count()).isEqualTo(1);
        assertThat(run("purge", "--all").out()).startsWith("purged 1 of 1");
    }
}
