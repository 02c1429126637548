package io.graphmailer.bench;

import com.azure.storage.queue.QueueClient;
import io.graphmailer.standin.GraphStandin;
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
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

/**
 * Queue throughput benchmark (not a test): N messages in Azurite, the packaged app as its own process
 * (JVM), driven the way the Functions host drives it, against the Graph stand-in with a fixed latency
 * and Graph's 4-per-mailbox concurrency enforced. Prints messages per second against the ceiling
 * (4 / latency), 429s, lost and duplicate sends, and the app's CPU time and RSS.
 *
 * Run through bench/queue-throughput.sh (it builds the app and the classpath).
 */
public final class QueueThroughputBench {
    private static final String QUEUE = "bench-outbox";

    public static void main(String[] args) throws Exception {
        int messages = Integer.parseInt(System.getProperty("bench.messages", "10000"));
        int latencyMs = Integer.parseInt(System.getProperty("bench.latencyMs", "50"));
        int batchSize = Integer.parseInt(System.getProperty("bench.batchSize", "4"));
        int newBatchThreshold = Integer.parseInt(System.getProperty("bench.newBatchThreshold", "0"));
        String java = System.getProperty("bench.java", Path.of(System.getProperty("java.home"), "bin", "java").toString());

        Standins standins = Standins.start();
        GraphStandin graph = standins.graph();
        graph.responseDelay(Duration.ofMillis(latencyMs));
        graph.mailboxConcurrencyLimit(4, 1);
        Azurite azurite = Azurite.shared();
        String cs = azurite.connectionString();
        QueueClient outbox = FunctionsHostDriver.client(cs, QUEUE);
        outbox.createIfNotExists();
        outbox.clearMessages();

        System.out.printf("enqueueing %d messages ...%n", messages);
        ExecutorService producers = Executors.newFixedThreadPool(8);
        for (int i = 0; i < messages; i++) {
            int n = i;
            producers.submit(() -> outbox.sendMessage(envelope(standins.mailbox(), "bench " + n)));
        }
        producers.shutdown();
        if (!producers.awaitTermination(10, TimeUnit.MINUTES)) {
            throw new IllegalStateException("enqueueing did not finish");
        }

        int port = freePort();
        Process app = startApp(java, standins, cs, port);
        try {
            awaitReady(port, Duration.ofSeconds(90));
            long cpuBefore = cpuMillis(app.pid());
            Instant start = Instant.now();
            try (FunctionsHostDriver host = new FunctionsHostDriver(cs, QUEUE, URI.create("http://127.0.0.1:" + port + "/OutboxQueue"),
                    batchSize, newBatchThreshold, 5, Duration.ofSeconds(1))) {
                host.drain(Duration.ofMinutes(30));
                Duration elapsed = Duration.between(start, Instant.now());
                long cpu = cpuMillis(app.pid()) - cpuBefore;
                long rssKb = rssKb(app.pid());

                var accepted = graph.acceptedMessages(standins.mailbox());
                Set<String> distinct = new HashSet<>();
                int duplicates = 0;
                for (var m : accepted) {
                    if (!distinct.add(m.json().path("message").path("subject").asText())) {
                        duplicates++;
                    }
                }
                long throttled = graph.requests().stream().filter(r -> r.status() == 429).count();
                double perSecond = accepted.size() / (elapsed.toMillis() / 1000.0);
                double ceiling = 4 / (latencyMs / 1000.0);
                System.out.println();
                System.out.println("| metric | value |");
                System.out.println("|---|---|");
                System.out.printf("| messages | %d |%n", messages);
                System.out.printf("| Graph latency per request | %d ms |%n", latencyMs);
                System.out.printf("| host batchSize / newBatchThreshold | %d / %d |%n", batchSize, newBatchThreshold);
                System.out.printf("| elapsed | %.1f s |%n", elapsed.toMillis() / 1000.0);
                System.out.printf("| messages per second | %.1f |%n", perSecond);
                System.out.printf("| ceiling (4 / latency) | %.1f |%n", ceiling);
                System.out.printf("| share of ceiling | %.0f %% |%n", 100 * perSecond / ceiling);
                System.out.printf("| Graph 429s | %d |%n", throttled);
                System.out.printf("| lost messages | %d |%n", messages - distinct.size());
                System.out.printf("| duplicate sends | %d |%n", duplicates);
                System.out.printf("| max in flight at Graph | %d |%n", graph.maxConcurrentRequests(standins.mailbox()));
                System.out.printf("| host invocations (failed) | %d (%d) |%n", host.invocations(), host.failedInvocations());
                System.out.printf("| app CPU time | %.1f s (%.2f ms per message) |%n", cpu / 1000.0, (double) cpu / Math.max(1, accepted.size()));
                System.out.printf("| app RSS at the end | %d MB |%n", rssKb / 1024);
            }
        } finally {
            app.destroy();
            if (!app.waitFor(10, TimeUnit.SECONDS)) {
                app.destroyForcibly();
            }
            standins.close();
        }
        System.exit(0);
    }

    private static String envelope(String mailbox, String subject) {
        return "{\"version\":1,\"mailbox\":\"" + mailbox + "\",\"sendMail\":{\"message\":{\"subject\":\"" + subject
                + "\",\"body\":{\"contentType\":\"text\",\"content\":\"benchmark\"},"
                + "\"toRecipients\":[{\"emailAddress\":{\"address\":\"ops@fabrikam.example\"}}]}}}";
    }

    private static Process startApp(String java, Standins s, String storage, int port) throws IOException {
        Map<String, String> env = new HashMap<>();
        env.put("FUNCTIONS_CUSTOMHANDLER_PORT", Integer.toString(port));
        env.put("GRAPH_MAILER_CALLER_AUTH_MODE", "host-key");
        env.putAll(s.appSettings()); // Graph transport, app identity, Key Vault certificate, managed identity
        env.put("GRAPH_MAILER_ALLOWED_SENDERS", s.mailbox());
        // Measures the queue path's own speed: the mailbox budget (30 a minute by default) would be all it shows.
        env.put("GRAPH_MAILER_BUDGET_MESSAGES_PER_MINUTE", "1000000");
        env.put("GRAPH_MAILER_BUDGET_RECIPIENTS_PER_DAY", "100000000");
        env.put("GRAPH_MAILER_STORAGE_CONNECTION_STRING", storage);
        env.put("GRAPH_MAILER_QUEUE_NAME", QUEUE);
        env.put("QUARKUS_LOG_LEVEL", "WARN");
        ProcessBuilder pb = new ProcessBuilder(List.of(java,
                "-Djavax.net.ssl.trustStore=" + s.truststore().toAbsolutePath(),
                "-Djavax.net.ssl.trustStorePassword=changeit", "-Djavax.net.ssl.trustStoreType=PKCS12",
                "-Djdk.net.hosts.file=" + Standins.hostsFile().toAbsolutePath(),
                "-jar", Path.of("target", "quarkus-app", "quarkus-run.jar").toAbsolutePath().toString()));
        pb.environment().keySet().removeIf(k -> k.startsWith("AZURE_") || k.startsWith("GRAPH_MAILER_"));
        pb.environment().putAll(env);
        pb.redirectErrorStream(true).redirectOutput(Path.of("target", "bench-app.log").toFile());
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
        throw new IllegalStateException("the app did not start; see target/bench-app.log");
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    /** utime + stime of a process, from /proc (Linux). */
    static long cpuMillis(long pid) throws IOException {
        String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
        String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        long ticks = Long.parseLong(f[11]) + Long.parseLong(f[12]);
        return ticks * 1000 / 100; // USER_HZ is 100 on Linux
    }

    static long rssKb(long pid) throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid), "status"))) {
            if (line.startsWith("VmRSS:")) {
                return Long.parseLong(line.replaceAll("\\D", ""));
            }
        }
        return -1;
    }
}
