package io.graphmailer.packaging;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import java.util.zip.ZipFile;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * After `package`: the deployable function app holds what host.json points at, ready to run, and its executable
 * passes its arguments on (`graph-mailer doctor` runs the doctor and exits, it does not start the server).
 */
class FunctionAppPackageIT {
    private static final Path APP = Path.of("target", "function-app");

    @Test
    void givenThePackage_thenHostJsonFunctionsAndAnExecutableAreThere() throws IOException {
        assertThat(APP.resolve("host.json")).isRegularFile();
        assertThat(APP.resolve("SendMail/function.json")).isRegularFile();
        assertThat(APP.resolve("OutboxQueue/function.json")).isRegularFile();
        Path executable = APP.resolve("graph-mailer");
        assertThat(executable).isRegularFile();
        assertThat(Files.isExecutable(executable)).isTrue();
        for (String function : new String[]{"SendMail", "SendMailV1", "SendMailBeta"}) {
            assertThat(Files.readString(APP.resolve(function + "/function.json"))).as(function).doesNotContain("${");
        }
        if (!Files.exists(Path.of("target").resolve(nativeRunnerName()))) {
            // JVM fallback: the launcher needs the Quarkus app beside it.
            assertThat(APP.resolve("quarkus-app/quarkus-run.jar")).isRegularFile();
        }
    }

    @Test
    void givenTheZip_thenTheExecutableKeepsItsExecuteBit() throws IOException {
        Path zipPath = Path.of("target", "function-app.zip");
        try (ZipFile zip = new ZipFile(zipPath.toFile())) {
            assertThat(zip.getEntry("graph-mailer")).isNotNull();
            assertThat(zip.getEntry("host.json")).isNotNull();
        }
        // The Functions host runs the file as is: its Unix mode (central directory, external attributes) needs +x.
        int mode = unixMode(Files.readAllBytes(zipPath), "graph-mailer");
        assertThat(mode & 0111).as("mode %o", mode).isNotZero();
    }

    /** The result of running the packaged executable to its end. */
    private record Run(int exitCode, String output) {
    }

    /**
     * Runs {@code target/function-app/graph-mailer} with {@code args} and only {@code settings} (plus the current JDK as
     * JAVA_HOME, which the JVM launcher looks for), in {@code workDir}. A doctor exits by itself; a server would not.
     */
    private static Run runPackaged(Path workDir, Map<String, String> settings, String... args) throws Exception {
        List<String> command = new java.util.ArrayList<>();
        command.add(APP.resolve("graph-mailer").toAbsolutePath().toString());
        command.addAll(List.of(args));
        ProcessBuilder builder = new ProcessBuilder(command).directory(workDir.toFile()).redirectErrorStream(true)
                .redirectOutput(workDir.resolve("output.txt").toFile());
        Map<String, String> env = builder.environment();
        env.keySet().removeIf(k -> k.startsWith("GRAPH_MAILER_") || k.startsWith("QUARKUS_") || k.startsWith("AZURE_")
                || k.startsWith("IDENTITY_") || k.startsWith("MSI_") || k.equals("FUNCTIONS_CUSTOMHANDLER_PORT"));
        env.put("JAVA_HOME", System.getProperty("java.home"));
        // Should a listener open after all, it is on loopback and a free port (and the assertions below fail).
        env.put("QUARKUS_HTTP_HOST", "127.0.0.1");
        env.put("QUARKUS_HTTP_PORT", "0");
        env.putAll(settings);
        Process process = builder.start();
        try {
            // Bounded only so a server that never exits fails the test instead of hanging the build.
            if (!process.waitFor(3, TimeUnit.MINUTES)) {
                throw new AssertionError("graph-mailer " + String.join(" ", args) + " did not exit (the server started?):\n"
                        + Files.readString(workDir.resolve("output.txt"), StandardCharsets.UTF_8));
            }
        } finally {
            process.destroyForcibly();
        }
        return new Run(process.exitValue(), Files.readString(workDir.resolve("output.txt"), StandardCharsets.UTF_8));
    }

    private static Map<String, String> entraSettings() {
        return Map.of("GRAPH_MAILER_ALLOWED_SENDERS", "mailer@contoso.test",
                "GRAPH_MAILER_TENANT_ID", "11111111-2222-3333-4444-555555555555",
                "GRAPH_MAILER_CALLER_AUTH_AUDIENCE", "api://graph-mailer-it",
                "GRAPH_MAILER_WARM_UP", "false");
    }

    @Test
    void givenDoctorAndAnUnreachableVault_thenTheDoctorRunsReportsTheFailureAndExitsWith1(@TempDir Path workDir) throws Exception {
        int closedPort;
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
            closedPort = socket.getLocalPort();
        }
        Map<String, String> settings = new java.util.HashMap<>(entraSettings());
        settings.put("GRAPH_MAILER_TRANSPORT", "graph");
        settings.put("GRAPH_MAILER_CLIENT_ID", "22222222-3333-4444-5555-666666666666");
        settings.put("GRAPH_MAILER_KEY_VAULT_URL", "https://localhost:" + closedPort);

        Run run = runPackaged(workDir, settings, "doctor");

        assertThat(run.exitCode()).as(run.output()).isEqualTo(1);
        assertThat(run.output()).contains("OK      settings coherent")
                .contains("FAIL    certificate readable: Key Vault https://localhost:" + closedPort + " is unreachable")
                .contains("SKIPPED token for Graph")
                .contains("overall: FAIL")
                .doesNotContain("Listening on: http");
    }

    @Test
    void givenDoctorWithTestSend_thenBothArgumentsArriveTheTestMessageIsWrittenAndTheExitCodeIs0(@TempDir Path workDir) throws Exception {
        Path outbox = workDir.resolve("outbox");
        Map<String, String> settings = new java.util.HashMap<>(entraSettings());
        settings.put("GRAPH_MAILER_TRANSPORT", "outbox");
        settings.put("GRAPH_MAILER_OUTBOX_DIRECTORY", outbox.toString());
        settings.put("GRAPH_MAILER_DOCTOR_TEST_RECIPIENT", "ops@fabrikam.example");

        Run run = runPackaged(workDir, settings, "doctor", "--test-send");

        assertThat(run.exitCode()).as(run.output()).isZero();
        assertThat(run.output()).contains("OK      settings coherent")
                .contains("WARN    transport: the outbox transport only writes .eml files")
                .contains("OK      test send as mailer@contoso.test")
                .contains("overall: WARN")
                .doesNotContain("Listening on: http");
        try (Stream<Path> files = Files.list(outbox)) {
            assertThat(files.filter(f -> f.toString().endsWith(".eml"))).hasSize(1);
        }
    }

    /** Reads an entry's Unix mode from the zip's central directory. */
    private static int unixMode(byte[] zip, String name) {
        java.nio.ByteBuffer b = java.nio.ByteBuffer.wrap(zip).order(java.nio.ByteOrder.LITTLE_ENDIAN);
        int eocd = zip.length - 22;
        while (eocd >= 0 && b.getInt(eocd) != 0x06054b50) {
            eocd--;
        }
        int entries = Short.toUnsignedInt(b.getShort(eocd + 10));
        int offset = b.getInt(eocd + 16);
        for (int i = 0; i < entries; i++) {
            int nameLength = Short.toUnsignedInt(b.getShort(offset + 28));
            int extraLength = Short.toUnsignedInt(b.getShort(offset + 30));
            int commentLength = Short.toUnsignedInt(b.getShort(offset + 32));
            int external = b.getInt(offset + 38);
            String entry = new String(zip, offset + 46, nameLength, java.nio.charset.StandardCharsets.UTF_8);
            if (entry.equals(name)) {
                return external >>> 16;
            }
            offset += 46 + nameLength + extraLength + commentLength;
        }
        throw new AssertionError(name + " is not in the zip");
    }

    private static String nativeRunnerName() {
        return "graph-mailer-0.1.0-SNAPSHOT-runner";
    }
}
