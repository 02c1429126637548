package io.graphmailer.config;

import io.quarkus.runtime.LaunchMode;
import io.smallrye.config.SmallRyeConfig;
import io.smallrye.config.SmallRyeConfigBuilder;
import io.smallrye.config.common.MapBackedConfigSource;
import org.junit.jupiter.api.Test;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

class SettingsValidatorTest {

    private static GraphMailerConfig config(Map<String, String> values) {
        Map<String, String> all = new HashMap<>(Map.of("graph-mailer.allowed-senders", "noreply@contoso.example",
                "graph-mailer.transport", "outbox"));
        all.putAll(values);
        SmallRyeConfig config = new SmallRyeConfigBuilder()
                .withMapping(GraphMailerConfig.class)
                .withSources(new MapBackedConfigSource("test", all) {
                })
                .build();
        return config.getConfigMapping(GraphMailerConfig.class);
    }

    @Test
    void givenNoneModeOutsideDev_thenStartupIsRefused() {
        List<String> problems = SettingsValidator.problems(config(Map.of("graph-mailer.caller-auth.mode", "none")), false, Map.of());
        assertThat(problems).anySatisfy(p -> assertThat(p).contains("GRAPH_MAILER_CALLER_AUTH_MODE=none"));
    }

    @Test
    void givenAStorageTimeoutOutsideItsRange_thenItIsNamed() {
        for (String timeout : List.of("PT0.01S", "PT10M")) {
            List<String> problems = SettingsValidator.problems(config(Map.of("graph-mailer.caller-auth.mode", "none",
                    "graph-mailer.storage.timeout", timeout)), true, Map.of());
            assertThat(problems).containsExactly("GRAPH_MAILER_STORAGE_TIMEOUT (" + java.time.Duration.parse(timeout)
                    + ") must be between PT0.1S and PT2M");
        }
        assertThat(SettingsValidator.problems(config(Map.of("graph-mailer.caller-auth.mode", "none",
                "graph-mailer.storage.timeout", "PT10S")), true, Map.of())).isEmpty();
    }

    @Test
    void givenNoneModeInDev_thenAllowed() {
        assertThat(SettingsValidator.problems(config(Map.of("graph-mailer.caller-auth.mode", "none")), true, Map.of())).isEmpty();
    }

    @Test
    void givenHostKeyModeWithoutTheFunctionsHost_thenRefused() {
        GraphMailerConfig c = config(Map.of("graph-mailer.caller-auth.mode", "host-key"));
        assertThat(SettingsValidator.problems(c, false, Map.of())).anySatisfy(p -> assertThat(p).contains("FUNCTIONS_CUSTOMHANDLER_PORT"));
        assertThat(SettingsValidator.problems(c, false, Map.of("FUNCTIONS_CUSTOMHANDLER_PORT", "34567")))
                .containsExactly("GRAPH_MAILER_STORAGE_QUEUE_ENDPOINT and GRAPH_MAILER_STORAGE_TABLE_ENDPOINT are required behind the Functions host:"
                        + " the queue function needs the outbox queue and the send ledger");
        GraphMailerConfig withStorage = config(Map.of("graph-mailer.caller-auth.mode", "host-key",
                "graph-mailer.storage.queue-endpoint", "https://a.queue.core.windows.net",
                "graph-mailer.storage.table-endpoint", "https://a.table.core.windows.net"));
        assertThat(SettingsValidator.problems(withStorage, false, Map.of("FUNCTIONS_CUSTOMHANDLER_PORT", "34567"))).isEmpty();
    }

    @Test
    void givenEntraModeWithoutTenantOrAudience_thenBothAreNamed() {
        List<String> problems = SettingsValidator.problems(config(Map.of()), false, Map.of());
        assertThat(problems).anySatisfy(p -> assertThat(p).startsWith("GRAPH_MAILER_TENANT_ID"));
        assertThat(problems).anySatisfy(p -> assertThat(p).startsWith("GRAPH_MAILER_CALLER_AUTH_AUDIENCE"));
    }

    @Test
    void givenInvalidSenderAndRecipientLimit_thenEachIsNamed() {
        List<String> problems = SettingsValidator.problems(config(Map.of(
                "graph-mailer.allowed-senders", "noreply@contoso.example,not a mailbox",
                "graph-mailer.limits.max-recipients", "5000",
                "graph-mailer.caller-auth.mode", "none")), true, Map.of());
        assertThat(problems).hasSize(2);
        assertThat(problems.get(0)).contains("'not a mailbox'");
        assertThat(problems.get(1)).contains("GRAPH_MAILER_LIMITS_MAX_RECIPIENTS");
    }

    @Test
    void givenGraphTransportWithoutAppOrCertificate_thenEachMissingSettingIsNamed() {
        List<String> problems = SettingsValidator.problems(config(Map.of("graph-mailer.transport", "graph",
                "graph-mailer.caller-auth.mode", "none")), true, Map.of());
        assertThat(problems).anySatisfy(p -> assertThat(p).startsWith("GRAPH_MAILER_TENANT_ID"));
        assertThat(problems).anySatisfy(p -> assertThat(p).startsWith("GRAPH_MAILER_CLIENT_ID"));
        assertThat(problems).anySatisfy(p -> assertThat(p).startsWith("GRAPH_MAILER_KEY_VAULT_URL"));
    }

    @Test
    void givenBothCertificateSourcesOrPlainHttpVault_thenRefused() {
        List<String> problems = SettingsValidator.problems(config(Map.of("graph-mailer.transport", "graph",
                "graph-mailer.caller-auth.mode", "none", "graph-mailer.tenant-id", "t", "graph-mailer.client-id", "c",
                "graph-mailer.key-vault-url", "http://vault.example", "graph-mailer.certificate-file", "cert.pem")), true, Map.of());
        assertThat(problems).containsExactlyInAnyOrder(
                "GRAPH_MAILER_KEY_VAULT_URL and GRAPH_MAILER_CERTIFICATE_FILE are both set: choose one certificate source",
                "GRAPH_MAILER_KEY_VAULT_URL must be an https URL, e.g. https://my-vault.vault.azure.net");
    }

    @Test
    void givenSmtpMailboxesWithoutTheAppOrNotAllowed_thenEachProblemIsNamed() {
        List<String> problems = SettingsValidator.problems(config(Map.of(
                "graph-mailer.caller-auth.mode", "none",
                "graph-mailer.smtp.mailboxes", "noreply@contoso.example,other@contoso.example,11111111-2222-3333-4444-555555555555",
                "graph-mailer.smtp.max-connections-per-mailbox", "4")), true, Map.of());
        assertThat(problems).anySatisfy(p -> assertThat(p).startsWith("GRAPH_MAILER_TENANT_ID is required for the SMTP mailboxes"));
        assertThat(problems).anySatisfy(p -> assertThat(p).startsWith("GRAPH_MAILER_CLIENT_ID"));
        assertThat(problems).anySatisfy(p -> assertThat(p).startsWith("GRAPH_MAILER_KEY_VAULT_URL"));
        assertThat(problems).anySatisfy(p -> assertThat(p).contains("'other@contoso.example' is not on GRAPH_MAILER_ALLOWED_SENDERS"));
        assertThat(problems).anySatisfy(p -> assertThat(p).contains("'11111111-2222-3333-4444-555555555555' is not a mailbox UPN"));
        assertThat(problems).anySatisfy(p -> assertThat(p).startsWith("GRAPH_MAILER_SMTP_MAX_CONNECTIONS_PER_MAILBOX must be between 1 and 3"));
    }

    @Test
    void givenSmtpMailboxesWithAppAndCertificateOnTheOutboxTransport_thenValid() {
        assertThat(SettingsValidator.problems(config(Map.of(
                "graph-mailer.caller-auth.mode", "none",
                "graph-mailer.smtp.mailboxes", "NoReply@contoso.example",
                "graph-mailer.tenant-id", "contoso.example",
                "graph-mailer.client-id", "3c5d7e9f-1a2b-4c3d-9e8f-7a6b5c4d3e2f",
                "graph-mailer.key-vault-url", "https://my-vault.vault.azure.net")), true, Map.of())).isEmpty();
    }

    @Test
    void givenHostKeyModeButAnAnonymousSendMailFunction_thenRefused(@org.junit.jupiter.api.io.TempDir java.nio.file.Path root)
            throws java.io.IOException {
        java.nio.file.Files.createDirectories(root.resolve("SendMail"));
        java.nio.file.Files.writeString(root.resolve("SendMail/function.json"),
                "{\"bindings\":[{\"type\":\"httpTrigger\",\"direction\":\"in\",\"name\":\"req\",\"authLevel\":\"anonymous\"}]}");
        GraphMailerConfig c = config(Map.of("graph-mailer.caller-auth.mode", "host-key",
                "graph-mailer.storage.connection-string", "UseDevelopmentStorage=true"));
        Map<String, String> env = Map.of("FUNCTIONS_CUSTOMHANDLER_PORT", "34567", "AzureWebJobsScriptRoot", root.toString());
        assertThat(SettingsValidator.problems(c, false, env)).singleElement().asString().contains("authLevel anonymous");

        java.nio.file.Files.writeString(root.resolve("SendMail/function.json"),
                "{\"bindings\":[{\"type\":\"httpTrigger\",\"direction\":\"in\",\"name\":\"req\",\"authLevel\":\"function\"}]}");
        assertThat(SettingsValidator.problems(c, false, env)).isEmpty();
    }

    @Test
    void givenHostKeyModeAndAnAnonymousVersionedSendMailFunction_thenRefused(@org.junit.jupiter.api.io.TempDir java.nio.file.Path root)
            throws java.io.IOException {
        String function = "{\"bindings\":[{\"type\":\"httpTrigger\",\"direction\":\"in\",\"name\":\"req\",\"authLevel\":\"function\"}]}";
        for (String name : List.of("SendMail", "SendMailV1", "SendMailBeta")) {
            java.nio.file.Files.createDirectories(root.resolve(name));
            java.nio.file.Files.writeString(root.resolve(name + "/function.json"), function);
        }
        GraphMailerConfig c = config(Map.of("graph-mailer.caller-auth.mode", "host-key",
                "graph-mailer.storage.connection-string", "UseDevelopmentStorage=true"));
        Map<String, String> env = Map.of("FUNCTIONS_CUSTOMHANDLER_PORT", "34567", "AzureWebJobsScriptRoot", root.toString());
        assertThat(SettingsValidator.problems(c, false, env)).isEmpty();

        // /api/beta/... open to anyone while /api/users/... needs the key would be a way around the host's check.
        java.nio.file.Files.writeString(root.resolve("SendMailBeta/function.json"), function.replace("\"function\"", "\"anonymous\""));
        assertThat(SettingsValidator.problems(c, false, env)).singleElement().asString().contains("authLevel anonymous");
    }

    @Test
    void givenHostKeyModeAndADeadLetterFunctionBelowAdminLevel_thenRefused(@org.junit.jupiter.api.io.TempDir java.nio.file.Path root)
            throws java.io.IOException {
        String function = "{\"bindings\":[{\"type\":\"httpTrigger\",\"direction\":\"in\",\"name\":\"req\",\"authLevel\":\"function\"}]}";
        for (String name : List.of("SendMail", "SendMailV1", "SendMailBeta", "DeadLetter")) {
            java.nio.file.Files.createDirectories(root.resolve(name));
            java.nio.file.Files.writeString(root.resolve(name + "/function.json"), function);
        }
        GraphMailerConfig c = config(Map.of("graph-mailer.caller-auth.mode", "host-key",
                "graph-mailer.storage.connection-string", "UseDevelopmentStorage=true"));
        Map<String, String> env = Map.of("FUNCTIONS_CUSTOMHANDLER_PORT", "34567", "AzureWebJobsScriptRoot", root.toString());
        // A function key is what senders hold: it must not replay or purge mail.
        assertThat(SettingsValidator.problems(c, false, env)).singleElement().asString()
                .contains("DeadLetter").contains("authLevel function").contains("-Ddeadletter.authLevel=admin");

        java.nio.file.Files.writeString(root.resolve("DeadLetter/function.json"), function.replace("\"function\"", "\"admin\""));
        assertThat(SettingsValidator.problems(c, false, env)).isEmpty();
    }

    @Test
    void givenATelemetryConnectionStringThatIsNoneOrABadOtlpEndpoint_thenEachIsNamed() {
        GraphMailerConfig c = config(Map.of("graph-mailer.caller-auth.mode", "none", "graph-mailer.transport", "outbox",
                "graph-mailer.allowed-senders", "noreply@contoso.example",
                "graph-mailer.telemetry.connection-string", "not-a-connection-string",
                "graph-mailer.telemetry.otlp-endpoint", "localhost:4317"));
        assertThat(SettingsValidator.problems(c, true, Map.of())).anyMatch(p -> p.contains("APPLICATIONINSIGHTS_CONNECTION_STRING"))
                .anyMatch(p -> p.contains("GRAPH_MAILER_TELEMETRY_OTLP_ENDPOINT"));
        GraphMailerConfig good = config(Map.of("graph-mailer.caller-auth.mode", "none", "graph-mailer.transport", "outbox",
                "graph-mailer.allowed-senders", "noreply@contoso.example",
                "graph-mailer.telemetry.connection-string", "InstrumentationKey=00000000-0000-0000-0000-000000000000"));
        assertThat(SettingsValidator.problems(good, true, Map.of())).noneMatch(p -> p.contains("TELEMETRY") || p.contains("APPLICATIONINSIGHTS"));
    }

    @Test
    void givenAConnectionStringWhoseIngestionEndpointIsNotAnHttpsUrl_thenItIsNamed() {
        for (String endpoint : java.util.List.of("http://dc.example/", "https://bad host/", "dc.example")) {
            GraphMailerConfig c = config(Map.of("graph-mailer.caller-auth.mode", "none", "graph-mailer.transport", "outbox",
                    "graph-mailer.allowed-senders", "noreply@contoso.example",
                    "graph-mailer.telemetry.connection-string", "InstrumentationKey=00000000-0000-0000-0000-000000000000;IngestionEndpoint=" + endpoint));
            assertThat(SettingsValidator.problems(c, true, Map.of())).as(endpoint)
                    .anyMatch(p -> p.contains("APPLICATIONINSIGHTS_CONNECTION_STRING") && p.contains("IngestionEndpoint"));
        }
        GraphMailerConfig good = config(Map.of("graph-mailer.caller-auth.mode", "none", "graph-mailer.transport", "outbox",
                "graph-mailer.allowed-senders", "noreply@contoso.example", "graph-mailer.telemetry.connection-string",
                "InstrumentationKey=00000000-0000-0000-0000-000000000000;IngestionEndpoint=https://westeurope-5.in.applicationinsights.azure.com/"));
        assertThat(SettingsValidator.problems(good, true, Map.of())).noneMatch(p -> p.contains("APPLICATIONINSIGHTS"));
    }

    @Test
    void givenAttachmentSettingsOutOfRange_thenEachIsNamed() {
        Map<String, String> values = new HashMap<>(Map.of("graph-mailer.caller-auth.mode", "none",
                "graph-mailer.attachments.max-message-bytes", Long.toString(151L * 1024 * 1024),
                "graph-mailer.attachments.upload-chunk-bytes", "4000000",
                "graph-mailer.attachments.allowed-blob-prefixes", "http://account.blob.core.windows.net/mail,https://account.blob.core.windows.net/"));
        List<String> problems = SettingsValidator.problems(config(values), true, Map.of());
        assertThat(problems).anySatisfy(p -> assertThat(p).startsWith("GRAPH_MAILER_ATTACHMENTS_MAX_MESSAGE_BYTES"));
        assertThat(problems).anySatisfy(p -> assertThat(p).startsWith("GRAPH_MAILER_ATTACHMENTS_UPLOAD_CHUNK_BYTES"));
        assertThat(problems).anySatisfy(p -> assertThat(p).contains("'http://account.blob.core.windows.net/mail' must be an https URL"));
        assertThat(problems).anySatisfy(p -> assertThat(p).contains("must name a container"));
        assertThat(problems).hasSize(4);
    }

    @Test
    void givenHttpsContainerPrefixAndDefaults_thenAccepted() {
        assertThat(SettingsValidator.problems(config(Map.of("graph-mailer.caller-auth.mode", "none",
                "graph-mailer.attachments.allowed-blob-prefixes", "https://account.blob.core.windows.net/mail-attachments/")), true, Map.of()))
                .isEmpty();
    }

    @Test
    void givenSendAsNamingAMailboxNotAllowedOrNotAPair_thenEachIsNamed() {
        List<String> problems = SettingsValidator.problems(config(Map.of("graph-mailer.caller-auth.mode", "none",
                "graph-mailer.send-as", "noreply@contoso.example:ceo@contoso.example,just-one@contoso.example")), true, Map.of());
        assertThat(problems).containsExactly("GRAPH_MAILER_SEND_AS: 'ceo@contoso.example' is not on GRAPH_MAILER_ALLOWED_SENDERS",
                "GRAPH_MAILER_SEND_AS: 'just-one@contoso.example' is not a mailbox:other pair of mailbox addresses or object ids");
    }

    @Test
    void givenEntraWithATenantDomainAndNoCallerTenantId_thenTheGuidIsAskedFor() {
        List<String> problems = SettingsValidator.problems(config(Map.of("graph-mailer.caller-auth.mode", "entra",
                "graph-mailer.caller-auth.audience", "api://graph-mailer", "graph-mailer.tenant-id", "contoso.example")), false, Map.of());
        assertThat(problems).anySatisfy(p -> assertThat(p).startsWith("GRAPH_MAILER_CALLER_AUTH_TENANT_ID must be the tenant's id"));
        assertThat(SettingsValidator.problems(config(Map.of("graph-mailer.caller-auth.mode", "entra",
                "graph-mailer.caller-auth.audience", "api://graph-mailer", "graph-mailer.tenant-id", "contoso.example",
                "graph-mailer.caller-auth.tenant-id", "11111111-2222-3333-4444-555555555555")), false, Map.of())).isEmpty();
    }

    @Test
    void givenALeaseNoLongerThanOneSendCanTake_thenRefusedNamingTheSettings() {
        List<String> problems = SettingsValidator.problems(config(Map.of("graph-mailer.caller-auth.mode", "none",
                "graph-mailer.queue.lease", "PT40S", "graph-mailer.graph.timeout", "PT20S", "graph-mailer.graph.retry-budget", "PT20S")), true, Map.of());
        assertThat(problems).singleElement().asString().startsWith("GRAPH_MAILER_QUEUE_LEASE").contains("GRAPH_MAILER_GRAPH_RETRY_BUDGET");
        assertThat(SettingsValidator.problems(config(Map.of("graph-mailer.caller-auth.mode", "none")), true, Map.of()))
                .as("the defaults fit").isEmpty();
    }

    @Test
    void givenVerifyAsItsOwnFallback_thenRefused() {
        List<String> problems = SettingsValidator.problems(config(Map.of("graph-mailer.caller-auth.mode", "none",
                "graph-mailer.queue.unknown-outcome-fallback", "verify")), true, Map.of());
        assertThat(problems).singleElement().asString().startsWith("GRAPH_MAILER_QUEUE_UNKNOWN_OUTCOME_FALLBACK");
    }

    @Test
    void givenJobSettingsOutOfRangeOrContradictory_thenEachIsNamedWithItsSetting() {
        List<String> problems = SettingsValidator.problems(config(Map.of("graph-mailer.caller-auth.mode", "none",
                "graph-mailer.jobs.json", "[]", "graph-mailer.jobs.location", "https://example.com/jobs.yaml",
                "graph-mailer.jobs.batch-size", "0", "graph-mailer.jobs.max-rows", "0")), true, Map.of());
        assertThat(problems).containsExactly("GRAPH_MAILER_JOBS_JSON and GRAPH_MAILER_JOBS_LOCATION are both set: choose one",
                "GRAPH_MAILER_JOBS_BATCH_SIZE must be between 1 and 1000", "GRAPH_MAILER_JOBS_MAX_ROWS must be at least 1");
    }

    @Test
    void givenDirectJobEnqueueOutsideADevRun_thenRefused() {
        GraphMailerConfig direct = config(Map.of("graph-mailer.jobs.enqueue", "direct", "graph-mailer.caller-auth.mode", "none"));
        assertThat(SettingsValidator.problems(direct, false, Map.of())).contains(
                "GRAPH_MAILER_JOBS_ENQUEUE=direct is only allowed in the dev profile: jobs must enqueue on the outbox queue");
        assertThat(SettingsValidator.problems(direct, true, Map.of())).isEmpty();
    }

    @Test
    void givenTheLaunchMode_thenOnlyDevModeAndTestsAreDevRuns() {
        assertThat(SettingsValidator.isDevRun(LaunchMode.DEVELOPMENT)).isTrue();
        assertThat(SettingsValidator.isDevRun(LaunchMode.TEST)).isTrue();
        assertThat(SettingsValidator.isDevRun(LaunchMode.NORMAL)).as("a packaged jar, whatever its profile").isFalse();
    }

    @Test
    void givenThePackagedJarStartedWithQuarkusProfileDev_thenEveryDevOnlySettingIsRefusedAlike() {
        SmallRyeConfig devProfile = new SmallRyeConfigBuilder()
                .withMapping(GraphMailerConfig.class)
                .withProfile("dev")
                .withSources(new MapBackedConfigSource("test", Map.of("graph-mailer.allowed-senders", "noreply@contoso.example",
                        "graph-mailer.transport", "outbox", "%dev.graph-mailer.caller-auth.mode", "none",
                        "%dev.graph-mailer.jobs.enqueue", "direct")) {
                })
                .build();
        GraphMailerConfig config = devProfile.getConfigMapping(GraphMailerConfig.class);
        assertThat(config.jobs().enqueue()).as("the dev profile is active").isEqualTo(GraphMailerConfig.JobEnqueue.DIRECT);

        assertThat(SettingsValidator.problems(config, SettingsValidator.isDevRun(LaunchMode.NORMAL), Map.of())).containsExactly(
                "GRAPH_MAILER_CALLER_AUTH_MODE=none is only allowed in the dev profile; use entra, or host-key behind the Azure Functions host",
                "GRAPH_MAILER_JOBS_ENQUEUE=direct is only allowed in the dev profile: jobs must enqueue on the outbox queue");
        assertThat(SettingsValidator.problems(config, SettingsValidator.isDevRun(LaunchMode.DEVELOPMENT), Map.of()))
                .as("the same settings in quarkus dev").isEmpty();
    }

    @Test
    void givenAnHttpBudgetWaitOutsideZeroToThirtySeconds_thenRefusedNamingTheSetting() {
        assertThat(SettingsValidator.problems(config(Map.of("graph-mailer.budget.http-wait", "PT31S")), true, Map.of()))
                .anySatisfy(p -> assertThat(p).startsWith("GRAPH_MAILER_BUDGET_HTTP_WAIT (PT31S)"));
        assertThat(SettingsValidator.problems(config(Map.of("graph-mailer.caller-auth.mode", "none", "graph-mailer.budget.http-wait", "PT0S",
                "graph-mailer.budget.unavailable-http", "local")), true, Map.of())).isEmpty();
    }

    @Test
    void givenTheTableBudgetStoreWithoutStorageOrABadTableName_thenEachIsNamed() {
        List<String> problems = SettingsValidator.problems(config(Map.of("graph-mailer.caller-auth.mode", "none",
                "graph-mailer.budget.store", "table", "graph-mailer.budget.table", "budget-table")), true, Map.of());
        assertThat(problems).hasSize(2);
        assertThat(problems).anyMatch(p -> p.startsWith("GRAPH_MAILER_BUDGET_TABLE (budget-table)"));
        assertThat(problems).anyMatch(p -> p.startsWith("GRAPH_MAILER_BUDGET_STORE=table"));
        assertThat(SettingsValidator.problems(config(Map.of("graph-mailer.caller-auth.mode", "none", "graph-mailer.budget.store", "table",
                "graph-mailer.storage.connection-string", "UseDevelopmentStorage=true")), true, Map.of())).isEmpty();
    }
}
