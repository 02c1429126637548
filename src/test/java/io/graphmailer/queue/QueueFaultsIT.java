package io.graphmailer.queue;

import com.azure.storage.queue.QueueClient;
import com.azure.storage.queue.models.QueueMessageItem;
import io.graphmailer.standin.GraphFault;
import io.graphmailer.standin.GraphStandin;
import io.graphmailer.standin.IdentityPlatformStandin;
import io.graphmailer.standin.Standins;
import io.graphmailer.support.Azurite;
import io.graphmailer.support.FunctionsHostDriver;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * "Sent once" under faults, with real processes: two instances of the packaged app against one Azurite and one Graph
 * stand-in, each driven as its Functions host drives it (its own batches of the one outbox queue, a 10 s lock per
 * received message). Sends are counted per idempotency key at Graph; every scenario asserts 0 lost, 0 duplicates and
 * 0 parked (dead-lettered or poisoned). Counts are small by default; {@code -Dqueuefaults.scale=10} multiplies them.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class QueueFaultsIT {
    private static final String QUEUE = "gm-faults";
    private static final int SCALE = Integer.getInteger("queuefaults.scale", 1);
    private static final Duration LOCK = Duration.ofSeconds(10);

    private static Standins standins;
    private static String storage;
    private static final Map<String, App> apps = new HashMap<>();
    private static QueueClient outbox;
    private static QueueClient deadLetter;
    private static QueueClient poison;

    /** One app process, started by this test; ended by its PID only. */
    record App(String name, Process process, int port) {
        URI handler() {
            return URI.create("http://127.0.0.1:" + port + "/OutboxQueue");
        }
    }

    @BeforeAll
    static void startTwoApps() throws Exception {
        standins = Standins.shared();
        prepareStandins();
        storage = Azurite.shared().connectionString();
        FunctionsHostDriver.Queues queues = FunctionsHostDriver.Queues.empty(storage, QUEUE);
        outbox = queues.outbox();
        deadLetter = queues.deadLetter();
        poison = queues.poison();
        for (String name : List.of("a", "b")) {
            apps.put(name, start(name));
        }
        for (App app : apps.values()) {
            awaitReady(app, Duration.ofSeconds(120));
        }
    }

    @AfterAll
    static void stopApps() throws InterruptedException {
        for (App app : apps.values()) {
            app.process().destroy();
            if (!app.process().waitFor(10, TimeUnit.SECONDS)) {
                app.process().destroyForcibly();
            }
        }
    }

    private static void prepareStandins() {
        standins.reset();
        // Mail.ReadBasic lets policy verify search Sent Items.
        standins.identity().grantRoles(Standins.CLIENT_ID, IdentityPlatformStandin.GRAPH_RESOURCE,
                Set.of(GraphStandin.MAIL_SEND, "Mail.ReadBasic"));
    }

    @BeforeEach
    void clean() {
        prepareStandins();
        for (QueueClient q : List.of(outbox, deadLetter, poison)) {
            q.clearMessages();
        }
    }

    private static App start(String name) throws IOException {
        int port = freePort();
        Map<String, String> env = new HashMap<>();
        env.put("FUNCTIONS_CUSTOMHANDLER_PORT", Integer.toString(port));
        env.put("GRAPH_MAILER_CALLER_AUTH_MODE", "host-key");
        env.putAll(standins.appSettings()); // Graph transport, app identity, Key Vault certificate, managed identity
        env.put("GRAPH_MAILER_ALLOWED_SENDERS", standins.mailbox());
        // About faults, not the mailbox budget: no rate limit in the way of its bursts.
        env.put("GRAPH_MAILER_BUDGET_MESSAGES_PER_MINUTE", "1000000");
        env.put("GRAPH_MAILER_STORAGE_CONNECTION_STRING", storage);
        env.put("GRAPH_MAILER_STORAGE_LEDGER_TABLE", "ledgerfaults");
        env.put("GRAPH_MAILER_QUEUE_NAME", QUEUE);
        // Short timeouts so each fault resolves within seconds; the lease outlasts one send (3 s timeout, 3 s of 429 waits).
        env.put("GRAPH_MAILER_GRAPH_TIMEOUT", "PT3S");
        env.put("GRAPH_MAILER_GRAPH_MAX_THROTTLE_WAIT", "PT2S");
        env.put("GRAPH_MAILER_GRAPH_RETRY_BUDGET", "PT3S");
        env.put("GRAPH_MAILER_QUEUE_LEASE", "PT8S");
        // A killed process may hold every concurrency slot of the mailbox; with the 5-minute default the survivor would
        // wait longer than its drain. 10 s outlasts one send here, as the ledger lease does.
        env.put("GRAPH_MAILER_BUDGET_SLOT_LEASE", "PT10S");
        env.put("GRAPH_MAILER_QUEUE_UNKNOWN_OUTCOME_SETTLE", "PT2S");
        env.put("GRAPH_MAILER_QUEUE_MAX_ATTEMPTS", "30");
        env.put("GRAPH_MAILER_QUEUE_BACKOFF_BASE", "PT1S");
        env.put("GRAPH_MAILER_QUEUE_BACKOFF_MAX", "PT2S");
        env.put("GRAPH_MAILER_WARM_UP", "false");
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        ProcessBuilder pb = new ProcessBuilder(List.of(java, "-Xmx256m",
                "-Djavax.net.ssl.trustStore=" + standins.truststore().toAbsolutePath(),
                "-Djavax.net.ssl.trustStorePassword=changeit", "-Djavax.net.ssl.trustStoreType=PKCS12",
                "-Djdk.net.hosts.file=" + Standins.hostsFile().toAbsolutePath(),
                "-jar", Path.of("target", "quarkus-app", "quarkus-run.jar").toAbsolutePath().toString()));
        pb.environment().keySet().removeIf(k -> k.startsWith("AZURE_") || k.startsWith("GRAPH_MAILER_") || k.startsWith("QUARKUS_"));
        pb.environment().putAll(env);
        pb.redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.appendTo(Path.of("target", "queue-faults-app-" + name + ".log").toFile()));
        return new App(name, pb.start(), port);
    }

    private static void awaitReady(App app, Duration limit) throws Exception {
        HttpClient http = HttpClient.newHttpClient();
        Instant deadline = Instant.now().plus(limit);
        while (Instant.now().isBefore(deadline)) {
            if (!app.process().isAlive()) {
                throw new IllegalStateException("app " + app.name() + " exited; see target/queue-faults-app-" + app.name() + ".log");
            }
            try {
                HttpResponse<Void> r = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + app.port() + "/")).build(),
                        HttpResponse.BodyHandlers.discarding());
                if (r.statusCode() == 200) {
                    return;
                }
            } catch (IOException notYet) {
                // not listening yet
            }
            Thread.sleep(200);
        }
        throw new IllegalStateException("app " + app.name() + " did not start; see target/queue-faults-app-" + app.name() + ".log");
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    private static FunctionsHostDriver host(App app) {
        return new FunctionsHostDriver(storage, QUEUE, app.handler(), 8, 0, 5, Duration.ofMillis(500), LOCK);
    }

    /** Enqueues {@code count} messages, each {@code copies} times; returns their keys (the key is also the subject). */
    private static List<String> enqueue(String scenario, int count, int copies) {
        String run = UUID.randomUUID().toString().substring(0, 8);
        List<String> keys = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            String key = scenario + "-" + run + "-" + i;
            keys.add(key);
            String body = "{\"version\":1,\"mailbox\":\"" + standins.mailbox() + "\",\"idempotencyKey\":\"" + key + "\","
                    + "\"sendMail\":{\"message\":{\"subject\":\"" + key + "\",\"body\":{\"contentType\":\"text\",\"content\":\"fault test\"},"
                    + "\"toRecipients\":[{\"emailAddress\":{\"address\":\"ops@fabrikam.example\"}}]}}}";
            for (int c = 0; c < copies; c++) {
                outbox.sendMessage(body);
            }
        }
        return keys;
    }

    /** Both hosts drain the queue at once; returns when it is empty. */
    private static void drainWithBoth(Duration limit) throws Exception {
        try (FunctionsHostDriver a = host(apps.get("a")); FunctionsHostDriver b = host(apps.get("b"))) {
            CompletableFuture<Void> first = run(a, limit);
            CompletableFuture<Void> second = run(b, limit);
            CompletableFuture.allOf(first, second).get(limit.toSeconds() + 30, TimeUnit.SECONDS);
        }
    }

    private static CompletableFuture<Void> run(FunctionsHostDriver driver, Duration limit) {
        return CompletableFuture.runAsync(() -> {
            try {
                driver.drain(limit);
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
    }

    /** Sends per key at Graph: 0 lost, 0 duplicates, nothing parked or poisoned. */
    private static Tally assertSentOnce(List<String> keys) {
        Map<String, Integer> perKey = new HashMap<>();
        for (GraphStandin.AcceptedMessage m : standins.graph().acceptedMessages(standins.mailbox())) {
            perKey.merge(m.json().path("message").path("subject").asText(), 1, Integer::sum);
        }
        Set<String> lost = new LinkedHashSet<>(keys);
        lost.removeAll(perKey.keySet());
        Map<String, Integer> duplicates = new HashMap<>();
        perKey.forEach((k, n) -> {
            if (n > 1) {
                duplicates.put(k, n);
            }
        });
        List<String> parked = new ArrayList<>();
        for (QueueClient q : List.of(deadLetter, poison)) {
            for (QueueMessageItem m : q.receiveMessages(32)) {
                parked.add(m.getBody().toString());
            }
        }
        Tally tally = new Tally(keys.size(), perKey.size(), lost.size(), duplicates.size(), parked.size(),
                standins.graph().folderLookups().size(), standins.graph().sendMailRequests());
        System.out.println("queue faults: " + tally);
        assertThat(lost).as("lost").isEmpty();
        assertThat(duplicates).as("sent more than once").isEmpty();
        assertThat(parked).as("parked or poisoned").isEmpty();
        return tally;
    }

    record Tally(int messages, int sent, int lost, int duplicates, int parked, int sentItemsLookups, int sendMailRequests) {
    }

    @Test
    @Order(1)
    void givenEveryEnvelopeEnqueuedTwiceAndBothProcessesTakingACopyAtOnce_thenEachSentOnceNoneParked() throws Exception {
        standins.graph().responseDelay(Duration.ofMillis(300)); // the first copy is still sending when the second is read
        List<String> keys = enqueue("twice", 30 * SCALE, 2);
        drainWithBoth(Duration.ofMinutes(3));
        assertSentOnce(keys);
    }

    @Test
    @Order(2)
    void givenGraphAcceptsThenTimesOut_thenFoundInSentItemsNotSentAgain() throws Exception {
        int faults = 10 * SCALE;
        standins.graph().injectFaults(faults, GraphFault.acceptThenDelay(Duration.ofSeconds(5))); // the apps give up after 3 s
        List<String> keys = enqueue("timeout", 30 * SCALE, 1);
        drainWithBoth(Duration.ofMinutes(3));
        Tally tally = assertSentOnce(keys);
        assertThat(tally.sentItemsLookups()).as("each unknown outcome was looked up").isGreaterThanOrEqualTo(faults);
    }

    @Test
    @Order(3)
    void givenGraphAcceptsThenAnswers504_thenFoundInSentItemsNotSentAgain() throws Exception {
        int faults = 10 * SCALE;
        standins.graph().injectFaults(faults, GraphFault.acceptThen504());
        List<String> keys = enqueue("gateway", 30 * SCALE, 1);
        drainWithBoth(Duration.ofMinutes(3));
        Tally tally = assertSentOnce(keys);
        assertThat(tally.sentItemsLookups()).isGreaterThanOrEqualTo(faults);
    }

    @Test
    @Order(4)
    void givenA429Storm_thenEverythingSentOnceAndNothingReadAsUnknown() throws Exception {
        standins.graph().mailboxConcurrencyLimit(2, 1); // two processes of up to 4 in flight each: many 429s
        standins.graph().injectFaults(20 * SCALE, GraphFault.throttled(1));
        List<String> keys = enqueue("storm", 40 * SCALE, 1);
        drainWithBoth(Duration.ofMinutes(4));
        Tally tally = assertSentOnce(keys);
        assertThat(standins.graph().requests()).anyMatch(r -> r.status() == 429);
        assertThat(tally.sentItemsLookups()).as("a 429 is a definite answer, never an unknown outcome").isZero();
    }

    @Test
    @Order(5)
    void givenOneProcessKilledWithSigkillMidBatch_thenTheOtherFinishesAndEachIsSentOnce() throws Exception {
        standins.graph().responseDelay(Duration.ofMillis(150));
        int count = 80 * SCALE;
        List<String> keys = enqueue("sigkill", count, 1);
        App victim = apps.get("a");
        FunctionsHostDriver victimHost = host(victim);
        CompletableFuture<Void> victimRun = run(victimHost, Duration.ofMinutes(3));
        try (FunctionsHostDriver survivor = host(apps.get("b"))) {
            CompletableFuture<Void> survivorRun = run(survivor, Duration.ofMinutes(4));
            Instant deadline = Instant.now().plusSeconds(120);
            while (standins.graph().acceptedMessages().size() < count / 4 && Instant.now().isBefore(deadline)) {
                Thread.sleep(20);
            }
            victim.process().destroyForcibly(); // SIGKILL, to the PID this test started
            assertThat(victim.process().waitFor(10, TimeUnit.SECONDS)).isTrue();
            victimHost.close(); // its host is gone with it: what it had received stays locked until the lock runs out
            survivorRun.get(5, TimeUnit.MINUTES);
        }
        victimRun.exceptionally(t -> null);
        // Anything left locked by the dead host becomes visible after the lock; the survivor drains it too.
        try (FunctionsHostDriver survivor = host(apps.get("b"))) {
            survivor.drain(Duration.ofMinutes(2));
        }
        assertSentOnce(keys);
        apps.put("a", start("a"));
        awaitReady(apps.get("a"), Duration.ofSeconds(120));
    }
}
