package io.graphmailer.bench;

import com.azure.storage.queue.QueueClient;
import io.graphmailer.standin.GraphStandin;
import io.graphmailer.standin.IdentityPlatformStandin;
import io.graphmailer.standin.Standins;
import io.graphmailer.support.Azurite;
import io.graphmailer.support.FunctionsHostDriver;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Fleet budget benchmark (not a test): two app processes drain one outbox queue holding N messages from three
 * mailboxes, with the budget in Azurite's Table service, against the Graph stand-in (fixed latency; more than 4
 * requests in flight per mailbox answered 429). Prints, per mailbox, the throughput against the allowed rate, the peak
 * concurrency at Graph and the busiest minute; the 429s; lost and duplicate sends; and the budget store's calls per
 * message (from each app's shutdown line "budget store: Stats[...]").
 *
 * <p>Scaling: the default run (300 messages, 40 a minute per mailbox) takes about 2 minutes of sending; the full run
 * (5,000 messages) raises the minute's limit to 600 so it ends in about 3 minutes instead of the 56 that Exchange's 30
 * would take. The decisions do not depend on the number, only the time does.
 *
 * <p>Run through bench/fleet-budget.sh.
 */
public final class FleetBudgetBench {
    private static final String QUEUE = "bench-fleet";
    /** Fresh per run (Azurite is in memory per run anyway), the same for both processes. */
    private static final String BUDGET_TABLE = "benchbudget" + Long.toHexString(System.currentTimeMillis());
    private static final List<String> MAILBOXES = List.of("fleet1@contoso.test", "fleet2@contoso.test", "fleet3@contoso.test");
    private static final Pattern STATS = Pattern.compile(
            "budget store: Stats\\[admits=(\\d+), granted=(\\d+), reads=(\\d+), writes=(\\d+), conflicts=(\\d+), rebuilds=(\\d+), commits=(\\d+)]");

    public static void main(String[] args) throws Exception {
        int messages = Integer.parseInt(System.getProperty("bench.messages", "300"));
        int perMinute = Integer.parseInt(System.getProperty("bench.perMinute", "40"));
        int latencyMs = Integer.parseInt(System.getProperty("bench.latencyMs", "100"));
        // Per app, as the host's queue trigger: fetch batchSize messages, fetch again when at most newBatchThreshold run.
        int batchSize = Integer.parseInt(System.getProperty("bench.batchSize", "8"));
        int newBatchThreshold = Integer.parseInt(System.getProperty("bench.newBatchThreshold", "0"));
        // How the host polls an empty queue: host.json's maxPollingInterval unless bench.maxPollingMs says otherwise
        // (100 gives the flat 100 ms of earlier runs).
        Duration maxPolling = System.getProperty("bench.maxPollingMs", "").isEmpty() ? FunctionsHostDriver.hostJsonMaxPollingInterval()
                : Duration.ofMillis(Long.parseLong(System.getProperty("bench.maxPollingMs")));
        String java = System.getProperty("bench.java", Path.of(System.getProperty("java.home"), "bin", "java").toString());

        Standins standins = Standins.start();
        GraphStandin graph = standins.graph();
        standins.identity().grantRoles(Standins.CLIENT_ID, IdentityPlatformStandin.GRAPH_RESOURCE, Set.of(GraphStandin.MAIL_SEND));
        for (String m : MAILBOXES) {
            graph.addMailbox(m);
        }
        graph.responseDelay(Duration.ofMillis(latencyMs));
        graph.mailboxConcurrencyLimit(4, 1);
        Azurite azurite = Azurite.shared();
        // bench.splitQueue: the queue service in an Azurite process of its own (the tables and blobs stay in the first).
        boolean splitQueue = Boolean.getBoolean("bench.splitQueue");
        String cs = splitQueue ? azurite.connectionStringWithQueueOf(Azurite.startAnother()) : azurite.connectionString();
        QueueClient outbox = FunctionsHostDriver.client(cs, QUEUE);
        outbox.createIfNotExists();
        outbox.clearMessages();

        System.out.printf("enqueueing %d messages for %d mailboxes ...%n", messages, MAILBOXES.size());
        ExecutorService producers = Executors.newFixedThreadPool(8);
        for (int i = 0; i < messages; i++) {
            int n = i;
            producers.submit(() -> outbox.sendMessage(envelope(MAILBOXES.get(n % MAILBOXES.size()), "fleet " + n)));
        }
        producers.shutdown();
        if (!producers.awaitTermination(10, TimeUnit.MINUTES)) {
            throw new IllegalStateException("enqueueing did not finish");
        }

        List<Process> apps = new ArrayList<>();
        List<Integer> ports = new ArrayList<>();
        for (String name : List.of("a", "b")) {
            int port = freePort();
            ports.add(port);
            apps.add(startApp(java, standins, cs, port, perMinute, name));
        }
        Instant start;
        Duration elapsed;
        List<FunctionsHostDriver> hosts = new ArrayList<>();
        try {
            for (int port : ports) {
                awaitReady(port, Duration.ofSeconds(180));
            }
            start = Instant.now();
            List<CompletableFuture<Void>> runs = new ArrayList<>();
            for (int port : ports) {
                FunctionsHostDriver host = new FunctionsHostDriver(cs, QUEUE, URI.create("http://127.0.0.1:" + port + "/OutboxQueue"),
                        batchSize, newBatchThreshold, 5, Duration.ofSeconds(1), Duration.ofSeconds(30)).pollingUpTo(maxPolling);
                hosts.add(host);
                runs.add(CompletableFuture.runAsync(() -> {
                    try {
                        host.drain(Duration.ofMinutes(90));
                    } catch (Exception e) {
                        throw new IllegalStateException(e);
                    }
                }));
            }
            CompletableFuture.allOf(runs.toArray(CompletableFuture[]::new)).get(100, TimeUnit.MINUTES);
            elapsed = Duration.between(start, Instant.now());
        } finally {
            for (FunctionsHostDriver h : hosts) {
                h.close();
            }
            for (Process app : apps) {
                app.destroy(); // SIGTERM: each app logs its budget store's counts on shutdown
                if (!app.waitFor(20, TimeUnit.SECONDS)) {
                    app.destroyForcibly();
                }
            }
        }

        long[] stats = new long[7];
        for (String name : List.of("a", "b")) {
            Matcher m = STATS.matcher(Files.readString(Path.of("target", "fleet-bench-app-" + name + ".log")));
            while (m.find()) {
                for (int i = 0; i < 7; i++) {
                    stats[i] += Long.parseLong(m.group(i + 1));
                }
            }
        }
        Set<String> distinct = new HashSet<>();
        int duplicates = 0;
        for (var m : graph.acceptedMessages()) {
            if (!distinct.add(m.json().path("message").path("subject").asText())) {
                duplicates++;
            }
        }
        long throttled = graph.requests().stream().filter(r -> r.status() == 429).count();
        System.out.println();
        System.out.printf("messages %d, 2 processes (queue batchSize %d, newBatchThreshold %d, polling up to %d ms each), %d mailboxes, allowed %d messages a minute per mailbox, Graph latency %d ms, %s, elapsed %.1f s%n",
                messages, batchSize, newBatchThreshold, maxPolling.toMillis(), MAILBOXES.size(), perMinute, latencyMs,
                (splitQueue ? "queue in its own Azurite process" : "one Azurite process") + " ("
                        + System.getProperty("azurite.persistence", "memory") + ")", elapsed.toMillis() / 1000.0);
        // Under a rolling minute, message j can go no earlier than a minute after message j - limit. The sustained rate is
        // the limit over the mean of those gaps (60 s when the budget is used fully); the first minute's burst is left out.
        System.out.println("| mailbox | sent | sustained rate (msg/min) | allowed | share | mean gap j-limit..j | peak in flight at Graph | busiest 60 s |");
        System.out.println("|---|---|---|---|---|---|---|---|");
        for (String mailbox : MAILBOXES) {
            List<Instant> at = graph.acceptedMessages(mailbox).stream().map(GraphStandin.AcceptedMessage::acceptedAt).sorted().toList();
            String rate = "n/a (all within the first minute's budget)";
            String share = "n/a";
            String gap = "n/a";
            if (at.size() > perMinute) {
                double sum = 0;
                for (int j = perMinute; j < at.size(); j++) {
                    sum += Duration.between(at.get(j - perMinute), at.get(j)).toMillis();
                }
                double meanSeconds = sum / (at.size() - perMinute) / 1000.0;
                double perMin = perMinute * 60 / meanSeconds;
                rate = String.format("%.1f", perMin);
                share = String.format("%.0f %%", 100 * perMin / perMinute);
                gap = String.format("%.1f s", meanSeconds);
            }
            System.out.printf("| %s | %d | %s | %d | %s | %s | %d | %d |%n", mailbox, at.size(), rate, perMinute, share, gap,
                    graph.maxConcurrentRequests(mailbox), graph.peakMessagesWithin(mailbox, Duration.ofSeconds(60)));
        }
        System.out.printf("| Graph 429s | %d |%n", throttled);
        int invocations = hosts.stream().mapToInt(FunctionsHostDriver::invocations).sum();
        System.out.printf("| queue invocations | %d (%.2f per message sent) |%n", invocations, (double) invocations / Math.max(1, distinct.size()));
        System.out.printf("| lost / duplicate sends | %d / %d |%n", messages - distinct.size(), duplicates);
        System.out.printf("| budget admits (granted) | %d (%d): %.2f admits per message |%n", stats[0], stats[1], (double) stats[0] / Math.max(1, distinct.size()));
        System.out.printf("| budget storage calls | %d reads + %d writes = %.2f per message sent |%n", stats[2], stats[3],
                (double) (stats[2] + stats[3]) / Math.max(1, distinct.size()));
        System.out.printf("| conditional-write conflicts | %d (%.3f per admit) |%n", stats[4], (double) stats[4] / Math.max(1, stats[0]));
        System.out.printf("| group commits (admits and releases) | %d (%.2f per message sent) |%n", stats[6], (double) stats[6] / Math.max(1, distinct.size()));
        // Where the rate is lost: the sends of each mailbox per 30 s from the start (the allowed rate is half the limit a bucket).
        System.out.println();
        System.out.println("sends per 30 s from the start (allowed " + perMinute / 2 + " a bucket):");
        for (String mailbox : MAILBOXES) {
            int[] buckets = new int[(int) (elapsed.toSeconds() / 30) + 1];
            for (var m : graph.acceptedMessages(mailbox)) {
                int b = (int) (Duration.between(start, m.acceptedAt()).toSeconds() / 30);
                buckets[Math.max(0, Math.min(buckets.length - 1, b))]++;
            }
            StringBuilder line = new StringBuilder(mailbox).append(':');
            for (int b : buckets) {
                line.append(' ').append(b);
            }
            System.out.println(line);
        }
        standins.close();
        System.exit(0);
    }

    private static String envelope(String mailbox, String subject) {
        return "{\"version\":1,\"mailbox\":\"" + mailbox + "\",\"sendMail\":{\"message\":{\"subject\":\"" + subject
                + "\",\"body\":{\"contentType\":\"text\",\"content\":\"benchmark\"},"
                + "\"toRecipients\":[{\"emailAddress\":{\"address\":\"ops@fabrikam.example\"}}]}}}";
    }

    private static Process startApp(String java, Standins s, String storage, int port, int perMinute, String name) throws IOException {
        Map<String, String> env = new HashMap<>();
        env.put("FUNCTIONS_CUSTOMHANDLER_PORT", Integer.toString(port));
        env.put("GRAPH_MAILER_CALLER_AUTH_MODE", "host-key");
        env.putAll(s.appSettings()); // Graph transport, app identity, Key Vault certificate, managed identity
        env.put("GRAPH_MAILER_ALLOWED_SENDERS", String.join(",", MAILBOXES));
        env.put("GRAPH_MAILER_BUDGET_MESSAGES_PER_MINUTE", Integer.toString(perMinute));
        env.put("GRAPH_MAILER_BUDGET_STORE", "table");
        env.put("GRAPH_MAILER_BUDGET_TABLE", BUDGET_TABLE); // one table for both processes: that is the point
        env.put("GRAPH_MAILER_STORAGE_CONNECTION_STRING", storage);
        env.put("GRAPH_MAILER_QUEUE_NAME", QUEUE);
        env.put("GRAPH_MAILER_WARM_UP", "false");
        // The delivery log's store (auto: the table, as deployed); memory isolates the budget's own cost.
        env.put("GRAPH_MAILER_DELIVERY_LOG_STORE", System.getenv().getOrDefault("GRAPH_MAILER_DELIVERY_LOG_STORE", "auto"));
        ProcessBuilder pb = new ProcessBuilder(List.of(java, "-Xmx256m",
                "-Djavax.net.ssl.trustStore=" + s.truststore().toAbsolutePath(),
                "-Djavax.net.ssl.trustStorePassword=changeit", "-Djavax.net.ssl.trustStoreType=PKCS12",
                "-Djdk.net.hosts.file=" + Standins.hostsFile().toAbsolutePath(),
                "-jar", Path.of("target", "quarkus-app", "quarkus-run.jar").toAbsolutePath().toString()));
        pb.environment().keySet().removeIf(k -> k.startsWith("AZURE_") || k.startsWith("GRAPH_MAILER_") || k.startsWith("QUARKUS_"));
        pb.environment().putAll(env);
        pb.redirectErrorStream(true).redirectOutput(Path.of("target", "fleet-bench-app-" + name + ".log").toFile());
        return pb.start();
    }

    private static void awaitReady(int port, Duration limit) throws Exception {
        HttpClient http = HttpClient.newHttpClient();
        Instant deadline = Instant.now().plus(limit);
        while (Instant.now().isBefore(deadline)) {
            try {
                HttpResponse<Void> r = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/")).build(),
                        HttpResponse.BodyHandlers.discarding());
                if (r.statusCode() == 200) {
                    return;
                }
            } catch (IOException notYet) {
                Thread.sleep(100);
            }
        }
        throw new IllegalStateException("an app did not start; see target/fleet-bench-app-*.log");
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }
}
