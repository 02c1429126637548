package io.graphmailer.config;

import io.smallrye.config.SmallRyeConfig;
import io.smallrye.config.SmallRyeConfigBuilder;
import io.smallrye.config.common.MapBackedConfigSource;
import org.junit.jupiter.api.Test;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** The delegated mode's settings checks (README "Delegated mode"). */
class DelegatedSettingsTest {

    private static List<String> problems(Map<String, String> values) {
        Map<String, String> all = new HashMap<>(Map.of("graph-mailer.allowed-senders", "alice@contoso.test,helpdesk@contoso.test",
                "graph-mailer.transport", "outbox", "graph-mailer.caller-auth.mode", "none"));
        all.putAll(values);
        SmallRyeConfig config = new SmallRyeConfigBuilder().withMapping(GraphMailerConfig.class)
                .withSources(new MapBackedConfigSource("test", all) {
                }).build();
        return SettingsValidator.problems(config.getConfigMapping(GraphMailerConfig.class), true, Map.of());
    }

    private static Map<String, String> complete(Map<String, String> extra) {
        Map<String, String> m = new HashMap<>(Map.of("graph-mailer.delegated.mailboxes", "alice@contoso.test,helpdesk@contoso.test:alice@contoso.test",
                "graph-mailer.tenant-id", "6e9f1c2a-3b4d-4e5f-8a9b-0c1d2e3f4a5b",
                "graph-mailer.delegated.client-id", "0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d",
                "graph-mailer.delegated.token-container-url", "https://acct.blob.core.windows.net/graph-mailer-tokens",
                "graph-mailer.key-vault-url", "https://v.vault.azure.net"));
        m.putAll(extra);
        return m;
    }

    @Test
    void givenNoDelegatedMailboxes_thenNothingDelegatedIsRequired() {
        assertThat(problems(Map.of())).isEmpty();
    }

    @Test
    void givenACompleteDelegatedSetup_thenNoProblem() {
        assertThat(problems(complete(Map.of()))).isEmpty();
    }

    @Test
    void givenDelegatedMailboxesWithoutClientStoreOrVault_thenEachSettingIsNamed() {
        List<String> p = problems(Map.of("graph-mailer.delegated.mailboxes", "alice@contoso.test"));

        assertThat(p).anySatisfy(s -> assertThat(s).startsWith("GRAPH_MAILER_DELEGATED_CLIENT_ID is required"))
                .anySatisfy(s -> assertThat(s).startsWith("GRAPH_MAILER_DELEGATED_TOKEN_CONTAINER_URL is required"))
                .anySatisfy(s -> assertThat(s).startsWith("GRAPH_MAILER_KEY_VAULT_URL is required for the delegated mailboxes"))
                .anySatisfy(s -> assertThat(s).startsWith("GRAPH_MAILER_TENANT_ID is required for the delegated mailboxes"));
    }

    @Test
    void givenADelegatedMailboxThatIsNotAllowed_thenItIsNamed() {
        assertThat(problems(complete(Map.of("graph-mailer.delegated.mailboxes", "bob@contoso.test"))))
                .containsExactly("GRAPH_MAILER_DELEGATED_MAILBOXES: 'bob@contoso.test' is not in GRAPH_MAILER_ALLOWED_SENDERS");
    }

    @Test
    void givenAMalformedEntry_thenItIsNamed() {
        assertThat(problems(complete(Map.of("graph-mailer.delegated.mailboxes", "alice@contoso.test:not a mailbox"))))
                .containsExactly("GRAPH_MAILER_DELEGATED_MAILBOXES: 'alice@contoso.test:not a mailbox' is not mailbox or mailbox:account (UPNs or object ids)");
    }

    @Test
    void givenAKeepAliveLongerThanTheInactivityLimit_thenRefused() {
        assertThat(problems(complete(Map.of("graph-mailer.delegated.keep-alive-after", "P100D"))))
                .anySatisfy(s -> assertThat(s).startsWith("GRAPH_MAILER_DELEGATED_KEEP_ALIVE_AFTER (PT2400H)"));
    }
}
