package io.graphmailer.packaging;

import io.graphmailer.standin.GraphStandin;
import io.graphmailer.standin.IdentityPlatformStandin;
import io.graphmailer.standin.Standins;
import io.graphmailer.support.Azurite;
import io.graphmailer.support.SendMailBodies;
import io.graphmailer.support.TestTokens;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

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
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.Instant;
import java.util.Enumeration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * After `package`: the deployable function app holds what host.json points at, ready to run, and its executable
 * passes its arguments on (`graph-mailer doctor` runs the doctor and exits, it does not start the server).
 * The runs unpack target/function-app.zip as the platform does and start it with no Java on PATH and no JAVA_HOME
 * (the Flex Consumption "custom" runtime has none): the bundled jre/ must carry it, and the start-up archive of the
 * package's training run (app.jsa, or app.aot when built on Java 25+) must be used by the started process.
 * A native package (-Dnative) has its runner as graph-mailer and neither jre/ nor an archive; the tests that are about
 * those are skipped for it, the others run the same way.
 */
class FunctionAppPackageIT {
    private static final Path APP = Path.of("target", "function-app");
    private static final Path ZIP = Path.of("target", "function-app.zip");

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
        if (isNative()) {
            assertThat(APP.resolve("quarkus-app")).as("a native package carries no JVM app").doesNotExist();
            assertThat(APP.resolve("jre")).doesNotExist();
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

    @Test
    void givenTheZip_thenItCarriesALinuxRuntimeWithTheModulesTheAppNeeds(@TempDir Path workDir) throws Exception {
        Assumptions.assumeFalse(isNative(), "a native package has no jre/");
        Path unpacked = unpack(workDir.resolve("wwwroot"));
        Path java = unpacked.resolve("jre/bin/java");
        assertThat(java).isRegularFile();
        assertThat(Files.isExecutable(java)).isTrue();
        String release = Files.readString(unpacked.resolve("jre/release"));
        // Linux x64, the platform's: libjvm.so is a 64-bit ELF for machine 0x3E (x86-64).
        byte[] elf = new byte[20];
        try (var in = Files.newInputStream(unpacked.resolve("jre/lib/server/libjvm.so"))) {
            assertThat(in.readNBytes(elf, 0, 20)).isEqualTo(20);
        }
        assertThat(new String(elf, 0, 4, StandardCharsets.ISO_8859_1)).isEqualTo("\u007fELF");
        assertThat(elf[4]).as("ELFCLASS64").isEqualTo((byte) 2);
        assertThat(elf[18] & 0xff | (elf[19] & 0xff) << 8).as("e_machine").isEqualTo(0x3E);
        assertThat(release)
                // jdeps finds these; TLS with ECDHE/ECDSA needs jdk.crypto.ec, which jdeps cannot see.
                .contains("java.net.http").contains("java.naming").contains("jdk.crypto.ec")
                // trimmed: not a full JDK, and not javac (only Vert.x's annotation processor would want it)
                .doesNotContain("jdk.jshell").doesNotContain("jdk.compiler");
        assertThat(unpacked.resolve("jre/include")).doesNotExist();
        assertThat(unpacked.resolve("jre/bin/javac")).doesNotExist();
    }

    @Test
    void givenTheUnpackedZipStartedAsTheHostStartsItWithNoJava_thenItListensOnTheHandlerPortAndASendIsAccepted202(
            @TempDir Path workDir) throws Exception {
        Standins standins = Standins.shared();
        standins.reset();
        standins.identity().grantRoles(Standins.CLIENT_ID, IdentityPlatformStandin.GRAPH_RESOURCE, Set.of(GraphStandin.MAIL_SEND));
        int port;
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
            port = socket.getLocalPort();
        }
        Path unpacked = unpack(workDir.resolve("wwwroot"));
        Map<String, String> settings = new HashMap<>();
        settings.put("FUNCTIONS_CUSTOMHANDLER_PORT", Integer.toString(port));
        // As packaged by default (authLevel anonymous): callers bring an Entra token, here one signed by the test key.
        settings.put("GRAPH_MAILER_CALLER_AUTH_MODE", "entra");
        settings.put("GRAPH_MAILER_CALLER_AUTH_JWKS_URL", Path.of("src/test/resources/test-caller-jwks.json").toAbsolutePath().toString());
        settings.put("GRAPH_MAILER_CALLER_AUTH_ISSUER", TestTokens.ISSUER);
        settings.put("GRAPH_MAILER_CALLER_AUTH_AUDIENCE", TestTokens.AUDIENCE);
        settings.put("GRAPH_MAILER_CALLER_AUTH_TENANT_ID", TestTokens.TENANT);
        // Behind the host the queue function's storage is required (the HTTP send does not use it).
        settings.put("GRAPH_MAILER_STORAGE_CONNECTION_STRING", Azurite.shared().connectionString());
        settings.put("GRAPH_MAILER_QUEUE_NAME", "package-it-outbox");
        settings.putAll(standins.appSettings()); // Graph transport, app identity, Key Vault certificate, managed identity
        settings.put("GRAPH_MAILER_ALLOWED_SENDERS", standins.mailbox());
        settings.put("GRAPH_MAILER_WARM_UP", "false");
        settings.put("QUARKUS_HTTP_HOST", "127.0.0.1");
        ProcessBuilder builder = new ProcessBuilder(unpacked.resolve("graph-mailer").toString()).directory(unpacked.toFile())
                .redirectErrorStream(true).redirectOutput(workDir.resolve("output.txt").toFile());
        hostEnvironment(builder.environment(), workDir, settings);
        nativeSystemProperties(builder);
        Process process = builder.start();
        try {
            HttpClient http = HttpClient.newHttpClient();
            awaitListening(process, http, port, workDir.resolve("output.txt"));
            Path exe = Files.readSymbolicLink(Path.of("/proc", Long.toString(process.pid()), "exe"));
            if (isNative()) {
                assertThat(exe).isEqualTo(unpacked.resolve("graph-mailer").toRealPath());
            } else {
                // The launcher exec'd the bundled runtime: the process is jre/bin/java from the unpacked zip.
                assertThat(exe).isEqualTo(unpacked.resolve("jre/bin/java").toRealPath());
                // ... and it maps the training run's archive (a rejected one would have been unmapped again), on top of
                // the runtime's own CDS archive.
                String maps = Files.readString(Path.of("/proc", Long.toString(process.pid()), "maps"));
                assertThat(maps).as("/proc/<pid>/maps").contains(unpacked.resolve(startupArchive()).toString());
                if (startupArchive().endsWith(".jsa")) { // (an AOT cache holds the JDK's classes itself)
                    assertThat(maps).contains(unpacked.resolve("jre/lib/server/classes.jsa").toString());
                }
            }

            HttpResponse<String> response = http.send(HttpRequest.newBuilder(
                            URI.create("http://127.0.0.1:" + port + "/api/users/" + standins.mailbox() + "/sendMail"))
                    .header("Content-Type", "application/json").header("Authorization", TestTokens.bearer())
                    .POST(HttpRequest.BodyPublishers.ofString(SendMailBodies.minimal())).build(), HttpResponse.BodyHandlers.ofString());

            assertThat(response.statusCode()).as(response.body() + "\n" + Files.readString(workDir.resolve("output.txt")))
                    .isEqualTo(202);
            assertThat(standins.graph().acceptedMessages(standins.mailbox())).hasSize(1);
        } finally {
            process.destroy();
            if (!process.waitFor(20, TimeUnit.SECONDS)) {
                process.destroyForcibly();
            }
        }
    }

    @Test
    void givenTheZip_thenItCarriesTheStartupArchiveOfTheTrainingRun() throws IOException {
        Assumptions.assumeFalse(isNative(), "a native package has no start-up archive");
        try (ZipFile zip = new ZipFile(ZIP.toFile())) {
            ZipEntry archive = zip.getEntry(startupArchive());
            assertThat(archive).as(startupArchive() + " in the zip").isNotNull();
            assertThat(archive.getSize()).isGreaterThan(1_000_000);
            assertThat(zip.getEntry("jre/lib/server/classes.jsa")).as("the runtime's own CDS archive").isNotNull();
            // Nothing of the training run but the archive: no stand-in keys, logs or outbox files beside the app.
            assertThat(zip.stream().map(ZipEntry::getName).filter(n -> !n.contains("/")))
                    .containsExactlyInAnyOrder("graph-mailer", "host.json", startupArchive());
        }
    }

    @Test
    void givenTheUnpackedZipStartedFromItsDirectoryWithSharingRequired_thenTheArchiveIsAcceptedAndTheDoctorRuns(
            @TempDir Path workDir) throws Exception {
        Assumptions.assumeFalse(isNative(), "a native package has no start-up archive");
        Map<String, String> settings = outboxDoctorSettings(workDir);
        // -Xshare:on / -XX:AOTMode=on: the JVM refuses to start unless it can use the archive the launcher chose.
        Run run = runPackaged(workDir, true, settings, requireArchiveOption(), "doctor", "--test-send");

        assertThat(run.exitCode()).as(run.output()).isZero();
        assertThat(run.output()).contains("overall: WARN");
    }

    @Test
    void givenAnArchiveTheRuntimeRejects_thenTheAppStartsWithoutItAndPrintsNoArchiveWarning(@TempDir Path workDir) throws Exception {
        Assumptions.assumeFalse(isNative(), "a native package has no start-up archive");
        Path unpacked = unpack(workDir.resolve("wwwroot"));
        if (startupArchive().endsWith(".jsa")) {
            // Java 17: a jar that is not the one recorded (another modification time), as after an unzip that drops
            // the times: the dynamic archive no longer matches.
            Path jar = unpacked.resolve("quarkus-app/quarkus-run.jar");
            Files.setLastModifiedTime(jar, java.nio.file.attribute.FileTime.from(Instant.now().plusSeconds(3600)));
        } else {
            // Java 25 accepted a jar with another time here; so: an archive that is not one (its header overwritten).
            try (var file = java.nio.channels.FileChannel.open(unpacked.resolve(startupArchive()), java.nio.file.StandardOpenOption.WRITE)) {
                file.write(java.nio.ByteBuffer.allocate(16), 0);
            }
        }
        Map<String, String> settings = outboxDoctorSettings(workDir);

        Run required = runPackaged(workDir, unpacked, true, settings, requireArchiveOption(), "doctor", "--test-send");
        assertThat(required.exitCode()).as("with sharing required, the stale archive is refused:\n" + required.output()).isNotZero();

        Run run = runPackaged(workDir, unpacked, true, settings, null, "doctor", "--test-send");
        assertThat(run.exitCode()).as(run.output()).isZero();
        assertThat(run.output()).contains("overall: WARN")
                .doesNotContainIgnoringCase("shared archive").doesNotContain("[cds").doesNotContain("[aot");
    }

    private static Map<String, String> outboxDoctorSettings(Path workDir) {
        Map<String, String> settings = new HashMap<>(entraSettings());
        settings.put("GRAPH_MAILER_TRANSPORT", "outbox");
        settings.put("GRAPH_MAILER_OUTBOX_DIRECTORY", workDir.resolve("outbox").toString());
        settings.put("GRAPH_MAILER_DOCTOR_TEST_RECIPIENT", "ops@fabrikam.example");
        return settings;
    }

    /**
     * A native runner reads no GRAPH_MAILER_JAVA_OPTS (that is the JVM launcher's): it takes the stand-ins' system
     * properties (-D...) as its first arguments instead, which the image consumes before main sees the rest.
     */
    private static void nativeSystemProperties(ProcessBuilder builder) {
        if (!isNative()) {
            return;
        }
        List<String> command = builder.command();
        String opts = builder.environment().getOrDefault("GRAPH_MAILER_JAVA_OPTS", "");
        command.addAll(1, Stream.of(opts.trim().split("\\s+")).filter(o -> o.startsWith("-D")).toList());
    }

    /** The JVM option that makes a start fail unless the launcher's archive is used. */
    private static String requireArchiveOption() {
        return startupArchive().endsWith(".aot") ? "-XX:AOTMode=on" : "-Xshare:on";
    }

    /** The training run's archive: app.aot when the package was built on Java 25+ (its runtime says which), else app.jsa. */
    private static String startupArchive() {
        try {
            String release = Files.readString(APP.resolve("jre/release"));
            java.util.regex.Matcher m = java.util.regex.Pattern.compile("JAVA_VERSION=\"(\\d+)").matcher(release);
            return m.find() && Integer.parseInt(m.group(1)) >= 25 ? "app.aot" : "app.jsa";
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /** A native package: graph-mailer is the runner (an ELF executable), not the JVM launcher script. */
    private static boolean isNative() {
        try (var in = Files.newInputStream(APP.resolve("graph-mailer"))) {
            return new String(in.readNBytes(4), StandardCharsets.ISO_8859_1).equals("\u007fELF");
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private static void awaitListening(Process process, HttpClient http, int port, Path output) throws Exception {
        // Bounded only so a server that never listens fails the test instead of hanging the build.
        Instant deadline = Instant.now().plus(Duration.ofMinutes(2));
        while (Instant.now().isBefore(deadline)) {
            if (!process.isAlive()) {
                throw new AssertionError("graph-mailer exited with " + process.exitValue() + ":\n" + Files.readString(output));
            }
            try {
                HttpResponse<Void> r = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/")).build(),
                        HttpResponse.BodyHandlers.discarding());
                if (r.statusCode() == 200) {
                    return;
                }
            } catch (IOException notYet) {
                // not listening yet
            }
            Thread.sleep(200);
        }
        throw new AssertionError("graph-mailer did not listen on " + port + ":\n" + Files.readString(output));
    }

    /**
     * The environment of a custom handler on a runtime without Java: only {@code settings}, no JAVA_HOME, and a PATH
     * that holds just the tools the launcher calls (this machine has /usr/bin/java, so /usr/bin cannot be on it).
     * The stand-ins' CA and host names reach the JVM through the launcher's GRAPH_MAILER_JAVA_OPTS.
     */
    private static void hostEnvironment(Map<String, String> env, Path workDir, Map<String, String> settings) throws IOException {
        Path bin = Files.createDirectories(workDir.resolve("path-bin"));
        for (String tool : new String[]{"dirname"}) {
            Path target = Stream.of("/usr/bin/", "/bin/").map(d -> Path.of(d + tool)).filter(Files::isExecutable).findFirst()
                    .orElseThrow(() -> new AssertionError(tool + " not found"));
            if (!Files.exists(bin.resolve(tool), java.nio.file.LinkOption.NOFOLLOW_LINKS)) { // a second run in the same workDir
                Files.createSymbolicLink(bin.resolve(tool), target);
            }
        }
        try (Stream<Path> tools = Files.list(bin)) {
            assertThat(tools.map(p -> p.getFileName().toString())).doesNotContain("java");
        }
        env.clear();
        env.put("PATH", bin.toString());
        env.put("HOME", workDir.toString());
        env.put("LANG", "C.UTF-8");
        Standins standins = Standins.shared();
        env.put("GRAPH_MAILER_JAVA_OPTS", "-Djavax.net.ssl.trustStore=" + standins.truststore().toAbsolutePath()
                + " -Djavax.net.ssl.trustStorePassword=changeit -Djavax.net.ssl.trustStoreType=PKCS12"
                + " -Djdk.net.hosts.file=" + Standins.hostsFile().toAbsolutePath());
        env.putAll(settings);
        assertThat(env).doesNotContainKey("JAVA_HOME");
    }

    /** Unpacks the zip into {@code dir} as the platform does, keeping each entry's Unix mode (the execute bits). */
    private static Path unpack(Path dir) throws IOException {
        Files.createDirectories(dir);
        Map<String, Integer> modes = unixModes(Files.readAllBytes(ZIP));
        try (ZipFile zip = new ZipFile(ZIP.toFile())) {
            Enumeration<? extends ZipEntry> entries = zip.entries();
            while (entries.hasMoreElements()) {
                ZipEntry entry = entries.nextElement();
                Path target = dir.resolve(entry.getName()).normalize();
                if (!target.startsWith(dir)) {
                    throw new AssertionError("zip entry outside the app: " + entry.getName());
                }
                if (entry.isDirectory()) {
                    Files.createDirectories(target);
                    continue;
                }
                Files.createDirectories(target.getParent());
                try (var in = zip.getInputStream(entry)) {
                    Files.copy(in, target);
                }
                // as unzip does: the start-up archive is valid only for jars of the recorded size and time
                Files.setLastModifiedTime(target, entry.getLastModifiedTime());
                int mode = modes.getOrDefault(entry.getName(), 0644);
                if ((mode & 0111) != 0) {
                    Set<PosixFilePermission> perms = PosixFilePermissions.fromString("rwxr-xr-x");
                    Files.setPosixFilePermissions(target, perms);
                }
            }
        }
        return dir.toRealPath();
    }

    /** The result of running the packaged executable to its end. */
    private record Run(int exitCode, String output) {
    }

    /**
     * Unpacks target/function-app.zip and runs its {@code graph-mailer} with {@code args} and only {@code settings}, with
     * no Java on PATH and no JAVA_HOME, in {@code workDir}. A doctor exits by itself; a server would not. The JVM prints
     * its java.home (-XshowSettings:properties), so the run shows which runtime it used.
     */
    private static Run runPackaged(Path workDir, Map<String, String> settings, String... args) throws Exception {
        return runPackaged(workDir, false, settings, null, args);
    }

    /** As above; {@code inAppDirectory}: started from the app's directory, as the host does; {@code javaOption}: one more. */
    private static Run runPackaged(Path workDir, boolean inAppDirectory, Map<String, String> settings, String javaOption,
                                   String... args) throws Exception {
        return runPackaged(workDir, unpack(workDir.resolve("wwwroot")), inAppDirectory, settings, javaOption, args);
    }

    private static Run runPackaged(Path workDir, Path unpacked, boolean inAppDirectory, Map<String, String> settings, String javaOption,
                                   String... args) throws Exception {
        List<String> command = new java.util.ArrayList<>();
        command.add(unpacked.resolve("graph-mailer").toString());
        command.addAll(List.of(args));
        ProcessBuilder builder = new ProcessBuilder(command).directory((inAppDirectory ? unpacked : workDir).toFile()).redirectErrorStream(true)
                .redirectOutput(workDir.resolve("output.txt").toFile());
        Map<String, String> all = new HashMap<>(settings);
        // Should a listener open after all, it is on loopback and a free port (and the assertions below fail).
        all.put("QUARKUS_HTTP_HOST", "127.0.0.1");
        all.put("QUARKUS_HTTP_PORT", "0");
        hostEnvironment(builder.environment(), workDir, all);
        builder.environment().merge("GRAPH_MAILER_JAVA_OPTS", "-XshowSettings:properties", (a, b) -> a + " " + b);
        if (javaOption != null) {
            builder.environment().merge("GRAPH_MAILER_JAVA_OPTS", javaOption, (a, b) -> a + " " + b);
        }
        nativeSystemProperties(builder);
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
        String output = Files.readString(workDir.resolve("output.txt"), StandardCharsets.UTF_8);
        // (unless the JVM refused to start at all, as with a stale archive and sharing required)
        if (!isNative() && !output.contains("Error occurred during initialization of VM")) {
            assertThat(output).as("the bundled runtime ran").contains("java.home = " + unpacked.resolve("jre"));
        }
        return new Run(process.exitValue(), output);
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
        Integer mode = unixModes(zip).get(name);
        if (mode == null) {
            throw new AssertionError(name + " is not in the zip");
        }
        return mode;
    }

    /** Every entry's Unix mode, from the zip's central directory. */
    private static Map<String, Integer> unixModes(byte[] zip) {
        Map<String, Integer> modes = new HashMap<>();
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
            modes.put(entry, external >>> 16);
            offset += 46 + nameLength + extraLength + commentLength;
        }
        return modes;
    }

    private static String nativeRunnerName() {
        return "graph-mailer-0.1.0-SNAPSHOT-runner";
    }
}
