package io.graphmailer.packaging;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.ZipFile;

import static org.assertj.core.api.Assertions.assertThat;

/** After `package`: the deployable function app holds what host.json points at, ready to run. */
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
