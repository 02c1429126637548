package io.graphmailer.support;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * A real Azure Storage implementation for tests: Azurite from the project's npm devDependencies
 * (`npm ci` installs it), queue, table and blob services on free loopback ports, in memory.
 * One process per test JVM; it ends with the JVM.
 *
 * <p>System property {@code azurite.persistence=disk} keeps its data in a new directory under {@code target/} instead
 * (Azurite's default mode). In memory, every queue message's body is an extent of its own, and Azurite's collector
 * deletes the extents of removed messages once a minute one by one, each removal rebuilding the extent index over
 * all of them without yielding: under a backlog of thousands of messages that blocks every request for seconds. On
 * disk, bodies share extent files, so the collector has little to do. The benchmarks choose; tests stay in memory.
 */
public final class Azurite {
    /** Azurite's well-known development account (public, documented by Microsoft). */
    public static final String ACCOUNT = "devstoreaccount1";
    public static final String KEY = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";
    private static Azurite shared;

    private final Process process;
    private final int blobPort;
    private final int queuePort;
    private final int tablePort;

    private Azurite(Process process, int blobPort, int queuePort, int tablePort) {
        this.process = process;
        this.blobPort = blobPort;
        this.queuePort = queuePort;
        this.tablePort = tablePort;
    }

    public static synchronized Azurite shared() {
        if (shared == null) {
            shared = start();
        }
        return shared;
    }

    /**
     * An instance of its own, in its own process (the fleet benchmark's queue: Azurite serves every service from one
     * single-threaded process, where a storage account's services are separate).
     */
    public static Azurite startAnother() {
        return start();
    }

    private static Azurite start() {
        Path bin = Path.of("node_modules", ".bin", "azurite").toAbsolutePath();
        if (!Files.isExecutable(bin)) {
            throw new IllegalStateException("Azurite is not installed: run `npm ci` in the project root (" + bin + " is missing)");
        }
        int blob = freePort();
        int queue = freePort();
        int table = freePort();
        try {
            Path log = Files.createDirectories(Path.of("target")).resolve("azurite.log");
            List<String> command = new ArrayList<>(List.of(bin.toString(), "--silent", "--skipApiVersionCheck", "--loose",
                    "--disableProductStyleUrl",
                    "--blobHost", "127.0.0.1", "--blobPort", Integer.toString(blob),
                    "--queueHost", "127.0.0.1", "--queuePort", Integer.toString(queue),
                    "--tableHost", "127.0.0.1", "--tablePort", Integer.toString(table)));
            if ("disk".equals(System.getProperty("azurite.persistence"))) {
                command.addAll(List.of("--location", Files.createTempDirectory(Path.of("target"), "azurite-data-").toString()));
            } else {
                command.add("--inMemoryPersistence");
            }
            Process p = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
            Runtime.getRuntime().addShutdownHook(new Thread(p::destroy));
            Azurite azurite = new Azurite(p, blob, queue, table);
            azurite.awaitPorts(Duration.ofSeconds(60));
            return azurite;
        } catch (IOException e) {
            throw new IllegalStateException("cannot start Azurite", e);
        }
    }

    private void awaitPorts(Duration timeout) {
        Instant deadline = Instant.now().plus(timeout);
        for (int port : new int[] {blobPort, queuePort, tablePort}) {
            while (!open(port)) {
                if (!process.isAlive()) {
                    throw new IllegalStateException("Azurite exited with " + process.exitValue() + "; see target/azurite.log");
                }
                if (Instant.now().isAfter(deadline)) {
                    throw new IllegalStateException("Azurite did not open port " + port + " in " + timeout.toSeconds() + " s");
                }
                try {
                    Thread.sleep(100);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IllegalStateException(e);
                }
            }
        }
    }

    private static boolean open(int port) {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress("127.0.0.1", port), 200);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    private static int freePort() {
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The blob service of the development account, e.g. {@code http://127.0.0.1:<port>/devstoreaccount1}. */
    public String blobEndpoint() {
        return "http://127.0.0.1:" + blobPort + "/" + ACCOUNT;
    }

    public int tablePort() {
        return tablePort;
    }

    public int queuePort() {
        return queuePort;
    }

    /** This instance's blob and table services with {@code queues}' queue service. */
    public String connectionStringWithQueueOf(Azurite queues) {
        return connectionString().replace("QueueEndpoint=http://127.0.0.1:" + queuePort + "/",
                "QueueEndpoint=http://127.0.0.1:" + queues.queuePort + "/");
    }

    public String connectionString() {
        return "DefaultEndpointsProtocol=http;AccountName=" + ACCOUNT + ";AccountKey=" + KEY
                + ";BlobEndpoint=http://127.0.0.1:" + blobPort + "/" + ACCOUNT
                + ";QueueEndpoint=http://127.0.0.1:" + queuePort + "/" + ACCOUNT
                + ";TableEndpoint=http://127.0.0.1:" + tablePort + "/" + ACCOUNT + ";";
    }
}
