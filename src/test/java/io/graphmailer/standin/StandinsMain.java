package io.graphmailer.standin;

import java.util.concurrent.CountDownLatch;

/**
 * Runs the stand-ins as a separate process (for the benchmark script): starts them, prints ONE JSON line with
 * URLs, ids and file paths (truststore, hosts file, client certificate files) on stdout, and runs until killed.
 *
 * <pre>
 * java -cp "$(cat target/test-classpath.txt):target/classes:target/test-classes" io.graphmailer.standin.StandinsMain
 * </pre>
 * The client process needs {@code -Djavax.net.ssl.trustStore=<truststore>} (with the password and type printed)
 * and {@code -Djdk.net.hosts.file=<hostsFile>}, and {@code IDENTITY_ENDPOINT}/{@code IDENTITY_HEADER} from the line.
 * Set {@code IDENTITY_ENDPOINT} for this process too to choose the managed-identity port.
 */
public final class StandinsMain {

    private StandinsMain() {
    }

    public static void main(String[] args) throws Exception {
        Standins standins = Standins.start();
        System.out.println(StandinServer.JSON.writeValueAsString(standins.describe()));
        System.out.flush();
        CountDownLatch forever = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(standins::close, "standins-shutdown"));
        forever.await();
    }
}
