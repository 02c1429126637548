package io.graphmailer.queue;

import com.azure.data.tables.TableClient;
import com.azure.data.tables.TableClientBuilder;
import com.azure.data.tables.models.ListEntitiesOptions;
import com.azure.data.tables.models.TableEntity;
import com.azure.storage.queue.QueueClient;
import com.azure.storage.queue.models.QueueMessageItem;
import io.graphmailer.standin.GraphStandin;
import io.graphmailer.standin.IdentityPlatformStandin;
import io.graphmailer.standin.Standins;
import io.graphmailer.support.Azurite;
import io.graphmailer.support.FunctionsHostDriver;
import io.graphmailer.support.TcpProxy;
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
 * The mailbox budget across a fleet: two app processes (the packaged app) against one Azurite and one Graph stand-in
 * that checks, per mailbox, requests in flight, messages per minute and recipients per window, and records every
 * excess. Limits are scaled down by settings (6 messages a minute; a 14-recipient day less a margin of 2 for one
 * mailbox; one slot for another) so each scenario runs in seconds to a little over one minute; the windows keep their
 * real lengths (the 24-hour window cannot free within a test, so that scenario checks the wait, not its end). Every
 * scenario asserts: no excess at Graph, 0 lost, 0 duplicates, nothing dead-lettered or poisoned.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class FleetBudgetIT {
    private static final String QUEUE = "gm-fleet";
    private static final String LEDGER = "ledgerfleet";
    private static final String BUDGET = "budgetfleet";
    private static final int PER_MINUTE = 6;
    /** The host's lock on a received message; longer than one handling during the store outage (the SDK's own retries). */
    private static final Duration LOCK = Duration.ofSeconds(20);
    private static final String SHARED = "shared@contoso.test";
    private static final String SECOND = "second@contoso.test";
    private static final String THIRD = "third@contoso.test";
    private static final String DAILY = "daily@contoso.test";
    private static final String OUTAGE = "outage@contoso.test";
    private static final String ONE_SLOT = "oneslot@contoso.test";
    private static final List<String> MAILBOXES = List.of(SHARED, SECOND, THIRD, DAILY, OUTAGE, ONE_SLOT);

    private static Standins standins;
    private static String storage;
    private static TcpProxy tableProxy;
    private static final Map<String, App> apps = new HashMap<>();
    private static QueueClient outbox;
    private static QueueClient deadLetter;
    private static QueueClient poison;
    private static TableClient ledger;

    record App(String name, Process process, int port) {
        URI handler() {
            return URI.create("http://127.0.0.1:" + port + "/OutboxQueue");
        }

        URI sendMail(String mailbox) {
            return URI.create("http://127.0.0.1:" + port + "/api/users/" + mailbox + "/sendMail");
        }
    }

    @BeforeAll
    static void startTwoApps() throws Exception {
        standins = Standins.shared();
        prepareStandins();
        storage = Azurite.shared().connectionString();
        tableProxy = new TcpProxy(Azurite.shared().tablePort());
        FunctionsHostDriver.Queues queues = FunctionsHostDriver.Queues.empty(storage, QUEUE);
        outbox = queues.outbox();
        deadLetter = queues.deadLetter();
        poison = queues.poison();
        ledger = new TableClientBuilder().connectionString(storage).tableName(LEDGER).buildClient();
        try {
            ledger.createTable();
        } catch (com.azure.data.tables.models.TableServiceException exists) {
            // created by an earlier run in this JVM's Azurite
        }
        for (String name : List.of("a", "b")) {
            apps.put(name, start(name));
        }
        for (App app : apps.values()) {
            awaitReady(app, Duration.ofSeconds(180));
        }
    }

    @AfterAll
    static void stopApps() throws Exception {
        for (App app : apps.values()) {
            app.process().destroy();
            if (!app.process().waitFor(10, TimeUnit.SECONDS)) {
                app.process().destroyForcibly();
            }
        }
        if (tableProxy != null) {
            tableProxy.close();
        }
    }

    private static void prepareStandins() {
        standins.reset();
        standins.identity().grantRoles(Standins.CLIENT_ID, IdentityPlatformStandin.GRAPH_RESOURCE,
                Set.of(GraphStandin.MAIL_SEND, "Mail.ReadBasic"));
        for (String m : MAILBOXES) {
            standins.graph().addMailbox(m);
        }
        standins.graph().checkMailboxBudgets(new GraphStandin.MailboxBudgetCheck(4, PER_MINUTE, Duration.ofSeconds(58), 1_000,
                Duration.ofHours(24), Map.of(DAILY, 12), Map.of(ONE_SLOT, 1)));
    }

    @BeforeEach
    void clean() {
        prepareStandins();
        tableProxy.up();
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
        env.put("GRAPH_MAILER_ALLOWED_SENDERS", String.join(",", MAILBOXES));
        // The budget scaled down: 6 a minute for every mailbox, a 12-recipient day for one (14 less the margin of 2), one slot for another.
        env.put("GRAPH_MAILER_BUDGET_MESSAGES_PER_MINUTE", Integer.toString(PER_MINUTE));
        env.put("GRAPH_MAILER_BUDGET_RECIPIENTS_SAFETY_MARGIN", "2");
        env.put("GRAPH_MAILER_BUDGET_RECIPIENTS_PER_DAY", "1002");
        env.put("GRAPH_MAILER_BUDGET_OVERRIDES", DAILY + "/recipients-per-day=14," + ONE_SLOT + "/concurrent-sends=1");
        env.put("GRAPH_MAILER_BUDGET_SLOT_LEASE", "PT15S"); // outlasts a send even on a loaded machine; the kill scenario waits it out
        env.put("GRAPH_MAILER_BUDGET_STORE", "table");
        env.put("GRAPH_MAILER_BUDGET_TABLE", BUDGET);
        // The table service through a relay this test can cut (the budget store's outage); queues and blobs direct.
        env.put("GRAPH_MAILER_STORAGE_CONNECTION_STRING", "DefaultEndpointsProtocol=http;AccountName=" + Azurite.ACCOUNT
                + ";AccountKey=" + Azurite.KEY + ";QueueEndpoint=http://127.0.0.1:" + Azurite.shared().queuePort() + "/" + Azurite.ACCOUNT
                + ";TableEndpoint=http://127.0.0.1:" + tableProxy.port() + "/" + Azurite.ACCOUNT + ";");
        env.put("GRAPH_MAILER_STORAGE_LEDGER_TABLE", LEDGER);
        env.put("GRAPH_MAILER_QUEUE_NAME", QUEUE);
        env.put("GRAPH_MAILER_GRAPH_TIMEOUT", "PT3S");
        env.put("GRAPH_MAILER_GRAPH_MAX_THROTTLE_WAIT", "PT2S");
        env.put("GRAPH_MAILER_GRAPH_RETRY_BUDGET", "PT3S");
        env.put("GRAPH_MAILER_QUEUE_LEASE", "PT8S");
        env.put("GRAPH_MAILER_QUEUE_UNKNOWN_OUTCOME_SETTLE", "PT2S");
        env.put("GRAPH_MAILER_QUEUE_MAX_ATTEMPTS", "5");
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
        pb.redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.appendTo(Path.of("target", "fleet-budget-app-" + name + ".log").toFile()));
        return new App(name, pb.start(), port);
    }

    private static void awaitReady(App app, Duration limit) throws Exception {
        HttpClient http = HttpClient.newHttpClient();
        Instant deadline = Instant.now().plus(limit);
        while (Instant.now().isBefore(deadline)) {
            if (!app.process().isAlive()) {
                throw new IllegalStateException("app " + app.name() + " exited; see target/fleet-budget-app-" + app.name() + ".log");
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
        throw new IllegalStateException("app " + app.name() + " did not start; see target/fleet-budget-app-" + app.name() + ".log");
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    private static FunctionsHostDriver host(App app) {
        return new FunctionsHostDriver(storage, QUEUE, app.handler(), 8, 0, 5, Duration.ofMillis(500), LOCK);
    }

    private static String message(String subject, int recipients) {
        StringBuilder to = new StringBuilder();
        for (int r = 0; r < recipients; r++) {
            to.append(r == 0 ? "" : ",").append("{\"emailAddress\":{\"address\":\"person").append(r).append("@fabrikam.example\"}}");
        }
        return "{\"message\":{\"subject\":\"" + subject + "\",\"body\":{\"contentType\":\"text\",\"content\":\"budget test\"},"
                + "\"toRecipients\":[" + to + "]}}";
    }

    /** Enqueues {@code count} messages from {@code mailbox}; returns their keys (the key is also the subject). */
    private static List<String> enqueue(String mailbox, String scenario, int count, int recipients) {
        String run = UUID.randomUUID().toString().substring(0, 8);
        List<String> keys = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            String key = scenario + "-" + run + "-" + i;
            keys.add(key);
            outbox.sendMessage("{\"version\":1,\"mailbox\":\"" + mailbox + "\",\"idempotencyKey\":\"" + key + "\",\"sendMail\":"
                    + message(key, recipients) + "}");
        }
        return keys;
    }

    private static CompletableFuture<Void> drain(FunctionsHostDriver driver, Duration limit) {
        return CompletableFuture.runAsync(() -> {
            try {
                driver.drain(limit);
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
    }

    /** Like {@link #drain}, for a queue that keeps waiting messages: processes for {@code limit}, then stops. */
    private static CompletableFuture<Void> processFor(FunctionsHostDriver driver, Duration limit) {
        return CompletableFuture.runAsync(() -> {
            try {
                driver.drain(limit);
            } catch (AssertionError e) {
                if (e.getMessage() == null || !e.getMessage().startsWith("the queue was not drained")) {
                    throw e;
                }
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
    }

    /** An HTTP send through {@code app}; returns the subject when accepted (202), null when refused. */
    private static String httpSend(App app, String mailbox, String subject) {
        try {
            HttpResponse<String> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(app.sendMail(mailbox))
                            .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(message(subject, 1))).build(),
                    HttpResponse.BodyHandlers.ofString());
            return r.statusCode() == 202 ? subject : null;
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    /** No excess at Graph; each key sent exactly once; nothing parked. */
    private static void assertWithinBudgetAndSentOnce(List<String> keys) {
        Map<String, Integer> perKey = new HashMap<>();
        for (GraphStandin.AcceptedMessage m : standins.graph().acceptedMessages()) {
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
        StringBuilder report = new StringBuilder("fleet budget:");
        for (String m : MAILBOXES) {
            if (!standins.graph().acceptedMessages(m).isEmpty()) {
                report.append(' ').append(m).append(" sent=").append(standins.graph().acceptedMessages(m).size())
                        .append(" peakInFlight=").append(standins.graph().maxConcurrentRequests(m))
                        .append(" peakPerMinute=").append(standins.graph().peakMessagesWithin(m, Duration.ofSeconds(60)));
            }
        }
        System.out.println(report + " violations=" + standins.graph().budgetViolations());
        assertThat(standins.graph().budgetViolations()).as("excess at Graph").isEmpty();
        assertThat(lost).as("lost").isEmpty();
        assertThat(duplicates).as("sent more than once").isEmpty();
        assertThat(parked).as("dead-lettered or poisoned").isEmpty();
    }

    private static TableEntity ledgerEntry(String key) {
        String row = sha256(key);
        return ledger.getEntity(row.substring(0, 2), row);
    }

    private static String sha256(String s) {
        try {
            return java.util.HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256")
                    .digest(s.getBytes(java.nio.charset.StandardCharsets.UTF_8)));
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static long waitingFor(List<String> keys, String limit) {
        List<TableEntity> waiting = new ArrayList<>();
        ledger.listEntities(new ListEntitiesOptions().setFilter("State eq 'WAITING'"), null, null).forEach(waiting::add);
        return waiting.stream().filter(e -> keys.contains((String) e.getProperty("IdempotencyKey")))
                .filter(e -> limit.equals(e.getProperty("WaitingFor"))).count();
    }

    @Test
    @Order(1)
    void givenQueueAndHttpSendsFromTwoProcessesOnSeveralMailboxes_thenNoLimitPassedAndEveryWaitingMessageSentOnceTheMinuteFrees()
            throws Exception {
        List<String> keys = new ArrayList<>();
        keys.addAll(enqueue(SHARED, "shared", 6, 1));
        List<String> second = enqueue(SECOND, "second", 8, 1);
        keys.addAll(second);
        keys.addAll(enqueue(THIRD, "third", 8, 1));
        try (FunctionsHostDriver a = host(apps.get("a")); FunctionsHostDriver b = host(apps.get("b"))) {
            CompletableFuture<Void> runA = drain(a, Duration.ofMinutes(3));
            CompletableFuture<Void> runB = drain(b, Duration.ofMinutes(3));
            // HTTP on the queue's mailbox at the same time, through both processes.
            List<CompletableFuture<String>> http = new ArrayList<>();
            for (int i = 0; i < 4; i++) {
                App app = apps.get(i % 2 == 0 ? "a" : "b");
                String subject = "http-" + UUID.randomUUID().toString().substring(0, 8);
                http.add(CompletableFuture.supplyAsync(() -> httpSend(app, SHARED, subject)));
            }
            // Over the minute's budget the rest waits on the queue, and the ledger says for what.
            Instant deadline = Instant.now().plusSeconds(150); // the two waiting ones wait about a minute; a loaded machine is slow to get there
            long waiting = 0;
            while (waiting == 0 && Instant.now().isBefore(deadline)) {
                Thread.sleep(500);
                waiting = waitingFor(second, "messages-per-minute");
            }
            assertThat(waiting).as("ledger entries waiting for messages-per-minute").isPositive();
            for (CompletableFuture<String> h : http) {
                String accepted = h.get(60, TimeUnit.SECONDS);
                if (accepted != null) {
                    keys.add(accepted);
                }
            }
            CompletableFuture.allOf(runA, runB).get(4, TimeUnit.MINUTES);
        }
        assertWithinBudgetAndSentOnce(keys);
        for (String key : second) {
            TableEntity e = ledgerEntry(key);
            assertThat(e.getProperty("State")).isEqualTo("SENT");
            assertThat(e.getProperty("SendAttempts")).as("a wait is not an attempt").isEqualTo(1);
            assertThat(e.getProperty("Recipients")).isEqualTo(1);
        }
        assertThat(standins.graph().acceptedMessages(SECOND)).hasSize(8);
    }

    @Test
    @Order(2)
    void givenAFanOutLargerThanTheDailyRecipientBudget_thenTheRestWaitsMarkedWaitingNeitherSentNorFailed() throws Exception {
        List<String> keys = enqueue(DAILY, "daily", 6, 3); // 18 recipients; the budget is 12
        try (FunctionsHostDriver a = host(apps.get("a")); FunctionsHostDriver b = host(apps.get("b"))) {
            CompletableFuture<Void> runA = processFor(a, Duration.ofSeconds(25));
            CompletableFuture<Void> runB = processFor(b, Duration.ofSeconds(25));
            CompletableFuture.allOf(runA, runB).get(2, TimeUnit.MINUTES); // ends at the limit: two messages stay invisible
        }
        List<GraphStandin.AcceptedMessage> sent = standins.graph().acceptedMessages(DAILY);
        System.out.println("fleet budget daily: sent=" + sent.size() + " recipients=" + sent.stream().mapToInt(GraphStandin::recipientsOf).sum()
                + " violations=" + standins.graph().budgetViolations());
        assertThat(standins.graph().budgetViolations()).as("excess at Graph").isEmpty();
        assertThat(sent).hasSize(4);
        assertThat(waitingFor(keys, "recipients-per-day")).as("waiting for the daily budget in the ledger").isEqualTo(2);
        assertThat(deadLetter.receiveMessages(32)).as("not failed").isEmpty();
        assertThat(poison.receiveMessages(32)).as("not poisoned").isEmpty();
        assertThat(outbox.getProperties().getApproximateMessagesCount()).as("still on the queue, not lost").isEqualTo(2);
    }

    @Test
    @Order(3)
    void givenTheBudgetStoreUnreachable_thenQueuedMailWaitsAndIsSentOnceItReturns() throws Exception {
        tableProxy.down();
        List<String> keys = enqueue(OUTAGE, "outage", 5, 1);
        try (FunctionsHostDriver a = host(apps.get("a")); FunctionsHostDriver b = host(apps.get("b"))) {
            CompletableFuture<Void> runA = drain(a, Duration.ofMinutes(2));
            CompletableFuture<Void> runB = drain(b, Duration.ofMinutes(2));
            Thread.sleep(15_000);
            assertThat(standins.graph().acceptedMessages(OUTAGE)).as("nothing goes out without the budget").isEmpty();
            tableProxy.up();
            CompletableFuture.allOf(runA, runB).get(3, TimeUnit.MINUTES);
        }
        assertWithinBudgetAndSentOnce(keys);
    }

    @Test
    @Order(4)
    void givenAProcessKilledWhileHoldingTheMailboxsOnlySlot_thenTheSlotFreesByExpiryAndEachIsSentOnce() throws Exception {
        standins.graph().responseDelay(Duration.ofSeconds(2)); // the victim is still sending when it dies
        List<String> keys = enqueue(ONE_SLOT, "slot", 3, 1);
        App victim = apps.get("a");
        FunctionsHostDriver victimHost = host(victim);
        CompletableFuture<Void> victimRun = drain(victimHost, Duration.ofMinutes(2));
        Instant deadline = Instant.now().plusSeconds(60);
        while (standins.graph().sendMailRequests(ONE_SLOT) == 0 && Instant.now().isBefore(deadline)) {
            Thread.sleep(20);
        }
        victim.process().destroyForcibly(); // SIGKILL, to the PID this test started
        assertThat(victim.process().waitFor(10, TimeUnit.SECONDS)).isTrue();
        victimHost.close();
        victimRun.exceptionally(t -> null);
        standins.graph().responseDelay(Duration.ZERO);
        try (FunctionsHostDriver survivor = host(apps.get("b"))) {
            survivor.drain(Duration.ofMinutes(2));
        }
        // The dead instance never released its slot: the survivor could send only once the slot expired (15 s), and at
        // Graph the mailbox never had two requests in flight.
        assertWithinBudgetAndSentOnce(keys);
        assertThat(standins.graph().maxConcurrentRequests(ONE_SLOT)).isEqualTo(1);
        apps.remove("a"); // dead; the last scenario
    }
}
