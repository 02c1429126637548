package io.graphmailer.wiring;

import io.graphmailer.config.GraphMailerConfig;
import io.smallrye.config.SmallRyeConfig;
import io.smallrye.config.SmallRyeConfigBuilder;
import io.smallrye.config.common.MapBackedConfigSource;
import org.junit.jupiter.api.Test;

import java.util.HashMap;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** Which budget store the settings choose: the shared table whenever the app runs with storage, memory otherwise. */
class BudgetBeansTest {

    private static GraphMailerConfig config(Map<String, String> values) {
        Map<String, String> all = new HashMap<>(Map.of("graph-mailer.allowed-senders", "noreply@contoso.example",
                "graph-mailer.transport", "graph"));
        all.putAll(values);
        SmallRyeConfig config = new SmallRyeConfigBuilder().withMapping(GraphMailerConfig.class)
                .withSources(new MapBackedConfigSource("test", all) {
                }).build();
        return config.getConfigMapping(GraphMailerConfig.class);
    }

    @Test
    void givenAutoWithoutStorageOrHost_thenMemory() {
        assertThat(BudgetBeans.sharedStore(config(Map.of()), Map.of())).isFalse();
    }

    @Test
    void givenAutoBehindTheFunctionsHostOrWithStorage_thenTheTable() {
        assertThat(BudgetBeans.sharedStore(config(Map.of()), Map.of("FUNCTIONS_CUSTOMHANDLER_PORT", "7071"))).isTrue();
        assertThat(BudgetBeans.sharedStore(config(Map.of("graph-mailer.storage.connection-string", "UseDevelopmentStorage=true")),
                Map.of())).isTrue();
        assertThat(BudgetBeans.sharedStore(config(Map.of("graph-mailer.storage.table-endpoint", "https://acct.table.core.windows.net")),
                Map.of())).isTrue();
    }

    @Test
    void givenAutoOnTheOutboxTransportEvenWithStorage_thenMemory() {
        assertThat(BudgetBeans.sharedStore(config(Map.of("graph-mailer.transport", "outbox",
                "graph-mailer.storage.connection-string", "UseDevelopmentStorage=true")), Map.of("FUNCTIONS_CUSTOMHANDLER_PORT", "7071"))).isFalse();
    }

    @Test
    void givenAnExplicitStore_thenThatOne() {
        assertThat(BudgetBeans.sharedStore(config(Map.of("graph-mailer.budget.store", "memory")), Map.of("FUNCTIONS_CUSTOMHANDLER_PORT", "7071")))
                .isFalse();
        assertThat(BudgetBeans.sharedStore(config(Map.of("graph-mailer.budget.store", "table")), Map.of())).isTrue();
    }
}
