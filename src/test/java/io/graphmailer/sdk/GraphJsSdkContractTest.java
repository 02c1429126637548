package io.graphmailer.sdk;

import io.graphmailer.standin.StandinPki;
import io.graphmailer.support.Outbox;
import io.graphmailer.support.TestTokens;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Microsoft's Graph JavaScript SDK against the running app: src/test/js/graph-js-sdk.test.mjs under Node's test runner
 * (as infra/tests are), started from here because it needs this test's app, a caller token and TLS material.
 */
@QuarkusTest
class GraphJsSdkContractTest {
    private static final Path SCRIPT = Path.of("src/test/js/graph-js-sdk.test.mjs");
    private static final Path SDK = Path.of("node_modules/@microsoft/microsoft-graph-client/package.json");

    @TestHTTPResource("/")
    URL app;

    @BeforeEach
    void clean() {
        Outbox.clear();
    }

    @Test
    void givenTheJsSdkWithCustomHostsOverHttps_thenGraphsExamplesAreSentAndRefusalsAreGraphErrors() throws Exception {
        assertThat(SDK).as("the JS SDK is a devDependency in package.json: run npm ci").isRegularFile();
        Path dir = Files.createDirectories(Path.of("target", "js-sdk"));
        Path pem = dir.resolve("localhost.pem");
        StandinPki pki = StandinPki.shared();
        Files.writeString(pem, pki.serverKeyAndChainPem());
        Path output = dir.resolve("node-test-output.txt");

        ProcessBuilder node = new ProcessBuilder("node", "--test", "--test-reporter=spec", SCRIPT.toString())
                .redirectErrorStream(true).redirectOutput(output.toFile());
        node.environment().put("GRAPH_MAILER_APP", app.toString().replaceAll("/$", ""));
        node.environment().put("GRAPH_MAILER_TOKEN", TestTokens.valid());
        node.environment().put("GRAPH_MAILER_TLS_PEM", pem.toAbsolutePath().toString());
        node.environment().put("NODE_EXTRA_CA_CERTS", pki.caPemPath().toString());
        Process process = node.start();
        try {
            // A guard against a hung process, not a speed check.
            assertThat(process.waitFor(5, TimeUnit.MINUTES)).as("node finished").isTrue();
        } finally {
            process.destroy();
        }
        String report = Files.readString(output);
        assertThat(process.exitValue()).as(report).isZero();
        assertThat(report).contains("pass 4").contains("fail 0");

        // 3 examples on v1.0, 1 on beta, 5 from one client; nothing from the refused or unauthenticated calls.
        List<String> subjects = new ArrayList<>();
        for (Path file : Outbox.files()) {
            subjects.add(Outbox.read(file).getSubject());
        }
        assertThat(subjects).hasSize(9).contains("Meet for lunch?", "9/9/2018: concert");
        assertThat(Outbox.read(Outbox.files().get(0)).getFrom()[0].toString()).isEqualTo("noreply@contoso.example");
    }
}
