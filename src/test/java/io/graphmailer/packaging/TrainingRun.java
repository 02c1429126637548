package io.graphmailer.packaging;

import io.graphmailer.standin.GraphStandin;
import io.graphmailer.standin.IdentityPlatformStandin;
import io.graphmailer.standin.Standins;
import io.graphmailer.support.Azurite;
import io.graphmailer.support.FunctionsHostDriver;
import io.graphmailer.support.SendMailBodies;
import io.graphmailer.support.TestTokens;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The training run of the package phase (pom.xml, antrun {@code function-app-package}): starts the packaged function app
 * through its own launcher and bundled runtime, with the JVM options that record a start-up archive, sends a few mails
 * through the local stand-ins (HTTP, one queue message through Azurite, one timer tick), stops the app gracefully (the
 * JVM writes the archive on exit) and checks the archive was written and holds none of the run's credentials.
 * Needs no tenant and no network beyond 127.0.0.1; everything it starts is stopped before it returns.
 *
 * <pre>
 * TrainingRun APP_DIR ARCHIVE_NAME LOG_FILE "JVM OPTIONS THAT RECORD"
 * </pre>
 * Runs from the project root (node_modules/.bin/azurite, src/test/resources/test-caller-jwks.json); the stand-ins' files
 * go to {@code -Dstandin.dir}, never to APP_DIR.
 */
public final class TrainingRun {
    private static final int HTTP_SENDS = 5;
    private static final int QUEUE_SENDS = 2;

    private TrainingRun() {
    }

    public static void main(String[] args) throws Exception {
        if (args.length != 4) {
            throw new IllegalArgumentException("usage: TrainingRun APP_DIR ARCHIVE_NAME LOG_FILE \"RECORD OPTIONS\"");
        }
        Path app = Path.of(args[0]).toRealPath();
        Path archive = app.resolve(args[1]);
        Path log = Path.of(args[2]).toAbsolutePath();
        String recordOptions = args[3];
        Files.deleteIfExists(archive);
        Files.createDirectories(log.getParent());
        long started = System.nanoTime();
        int code;
        try (Standins standins = Standins.start()) {
            code = train(app, archive, log, recordOptions, standins);
        }
        stopChildren();
        System.out.printf("function-app: training run took %d ms%n", TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started));
        System.exit(code);
    }

    private static int train(Path app, Path archive, Path log, String recordOptions, Standins standins) throws Exception {
        standins.identity().grantRoles(Standins.CLIENT_ID, IdentityPlatformStandin.GRAPH_RESOURCE, java.util.Set.of(GraphStandin.MAIL_SEND));
        String storage = Azurite.shared().connectionString();
        String queue = "training-outbox";
        int port;
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
            port = socket.getLocalPort();
        }
        String callerToken = TestTokens.valid();
        ProcessBuilder builder = new ProcessBuilder(app.resolve("graph-mailer").toString()).directory(app.toFile())
                .redirectErrorStream(true).redirectOutput(log.toFile());
        Map<String, String> env = builder.environment();
        env.keySet().removeIf(k -> !k.equals("PATH") && !k.equals("HOME") && !k.equals("LANG"));
        env.put("FUNCTIONS_CUSTOMHANDLER_PORT", Integer.toString(port));
        env.put("QUARKUS_HTTP_HOST", "127.0.0.1");
        env.put("GRAPH_MAILER_CALLER_AUTH_MODE", "entra");
        env.put("GRAPH_MAILER_CALLER_AUTH_JWKS_URL", Path.of("src/test/resources/test-caller-jwks.json").toAbsolutePath().toString());
        env.put("GRAPH_MAILER_CALLER_AUTH_ISSUER", TestTokens.ISSUER);
        env.put("GRAPH_MAILER_CALLER_AUTH_AUDIENCE", TestTokens.AUDIENCE);
        env.put("GRAPH_MAILER_CALLER_AUTH_TENANT_ID", TestTokens.TENANT);
        env.put("GRAPH_MAILER_STORAGE_CONNECTION_STRING", storage);
        env.put("GRAPH_MAILER_STORAGE_LEDGER_TABLE", "trainingledger");
        env.put("GRAPH_MAILER_QUEUE_NAME", queue);
        env.putAll(standins.appSettings()); // Graph transport, app identity, Key Vault certificate, managed identity
        env.put("GRAPH_MAILER_ALLOWED_SENDERS", standins.mailbox());
        env.put("GRAPH_MAILER_JAVA_OPTS", recordOptions
                + " -Djavax.net.ssl.trustStore=" + standins.truststore().toAbsolutePath()
                + " -Djavax.net.ssl.trustStorePassword=changeit -Djavax.net.ssl.trustStoreType=PKCS12"
                + " -Djdk.net.hosts.file=" + Standins.hostsFile().toAbsolutePath());
        Process process = builder.start();
        try {
            HttpClient http = HttpClient.newHttpClient();
            awaitListening(process, http, port, log);
            List<Integer> statuses = new ArrayList<>();
            for (int i = 0; i < HTTP_SENDS; i++) {
                statuses.add(http.send(HttpRequest.newBuilder(
                                URI.create("http://127.0.0.1:" + port + "/api/users/" + standins.mailbox() + "/sendMail"))
                        .header("Content-Type", "application/json").header("Authorization", "Bearer " + callerToken)
                        .POST(HttpRequest.BodyPublishers.ofString(SendMailBodies.minimal())).build(),
                        HttpResponse.BodyHandlers.discarding()).statusCode());
            }
            if (!statuses.stream().allMatch(s -> s == 202)) {
                return fail("HTTP sends answered " + statuses, log);
            }
            var outbox = FunctionsHostDriver.Queues.empty(storage, queue).outbox();
            for (int i = 0; i < QUEUE_SENDS; i++) {
                outbox.sendMessage("{\"version\":1,\"mailbox\":\"" + standins.mailbox() + "\",\"idempotencyKey\":\"training-" + i + "\","
                        + "\"sendMail\":{\"message\":{\"subject\":\"training " + i + "\",\"body\":{\"contentType\":\"text\",\"content\":\"training\"},"
                        + "\"toRecipients\":[{\"emailAddress\":{\"address\":\"ops@fabrikam.example\"}}]}}}");
            }
            try (FunctionsHostDriver host = new FunctionsHostDriver(storage, queue, URI.create("http://127.0.0.1:" + port + "/OutboxQueue"),
                    2, 5, Duration.ofMillis(500))) {
                host.drain(Duration.ofSeconds(60));
                if (host.failedInvocations() != 0) {
                    return fail(host.failedInvocations() + " queue invocation(s) failed", log);
                }
            }
            int sent = standins.graph().acceptedMessages(standins.mailbox()).size();
            if (sent != HTTP_SENDS + QUEUE_SENDS) {
                return fail("the Graph stand-in accepted " + sent + " messages, expected " + (HTTP_SENDS + QUEUE_SENDS), log);
            }
            String now = Instant.now().toString();
            int timer = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/NotificationJobs"))
                    .header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString("{\"Data\":{\"timer\":{\"Schedule\":{\"AdjustForDST\":true},"
                            + "\"ScheduleStatus\":{\"Last\":\"" + now + "\",\"Next\":\"" + now + "\",\"LastUpdated\":\"" + now + "\"},"
                            + "\"IsPastDue\":false}},\"Metadata\":{\"sys\":{\"MethodName\":\"NotificationJobs\",\"UtcNow\":\"" + now + "\"}}}"))
                    .build(), HttpResponse.BodyHandlers.discarding()).statusCode();
            if (timer != 200) {
                return fail("the timer tick answered " + timer, log);
            }
            // Gracefully: the JVM writes the archive while it exits (SIGTERM; the launcher exec'd java, so this is the JVM).
            process.destroy();
            if (!process.waitFor(120, TimeUnit.SECONDS)) {
                return fail("the app did not stop within 120 s of SIGTERM", log);
            }
        } finally {
            if (process.isAlive()) {
                process.destroyForcibly();
                process.waitFor(20, TimeUnit.SECONDS);
            }
        }
        if (!Files.isRegularFile(archive) || Files.size(archive) == 0) {
            return fail("no archive " + archive + " after the run (exit " + process.exitValue() + ")", log);
        }
        // The archive holds class metadata, never the run's credentials: check for the ones this run handed out.
        byte[] bytes = Files.readAllBytes(archive);
        // (Not Azurite's account key: it is public, and azure-storage-common carries it as a constant for the emulator.)
        Map<String, String> secrets = Map.of("the caller token's signature", callerToken.substring(callerToken.lastIndexOf('.') + 1),
                "the managed identity header", standins.identityHeader());
        for (Map.Entry<String, String> secret : secrets.entrySet()) {
            if (contains(bytes, secret.getValue().getBytes(StandardCharsets.US_ASCII))) {
                Files.delete(archive);
                return fail("the archive holds " + secret.getKey() + "; deleted it", log);
            }
        }
        System.out.printf("function-app: training run: %d HTTP sends, %d queue sends and a timer tick through the stand-ins; %s is %d bytes%n",
                HTTP_SENDS, QUEUE_SENDS, app.relativize(archive), bytes.length);
        return 0;
    }

    /** Stops what this run started (Azurite; the app is stopped already) and waits until it is gone. */
    private static void stopChildren() throws InterruptedException {
        List<ProcessHandle> children = ProcessHandle.current().children().toList();
        children.forEach(ProcessHandle::destroy);
        for (ProcessHandle child : children) {
            try {
                child.onExit().get(10, TimeUnit.SECONDS);
            } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
                child.destroyForcibly();
            }
        }
    }

    private static int fail(String why, Path log) {
        System.err.println("function-app: training run failed: " + why + " (app log: " + log + ")");
        return 1;
    }

    private static boolean contains(byte[] haystack, byte[] needle) {
        outer:
        for (int i = 0; i <= haystack.length - needle.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (haystack[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return true;
        }
        return false;
    }

    private static void awaitListening(Process process, HttpClient http, int port, Path log) throws Exception {
        Instant deadline = Instant.now().plus(Duration.ofMinutes(2));
        while (Instant.now().isBefore(deadline)) {
            if (!process.isAlive()) {
                throw new IllegalStateException("the app exited with " + process.exitValue() + " (log: " + log + ")");
            }
            try {
                if (http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/")).build(),
                        HttpResponse.BodyHandlers.discarding()).statusCode() == 200) {
                    return;
                }
            } catch (IOException notYet) {
                // not listening yet
            }
            Thread.sleep(200);
        }
        throw new IllegalStateException("the app did not listen on " + port + " within 2 minutes (log: " + log + ")");
    }
}
