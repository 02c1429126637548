package io.graphmailer.wiring;

import io.graphmailer.config.GraphMailerConfig;
import io.graphmailer.config.SettingsValidator;
import io.smallrye.config.SmallRyeConfig;
import io.smallrye.config.SmallRyeConfigBuilder;
import io.smallrye.config.common.MapBackedConfigSource;
import org.junit.jupiter.api.Test;

import java.util.HashMap;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** Which delivery log store the settings choose, and the checks of its settings. */
class DeliveryLogBeansTest {

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
    void givenAutoWithStorageOrBehindTheHost_thenTheTableElseMemory() {
        assertThat(DeliveryLogBeans.sharedStore(config(Map.of()), Map.of())).isFalse();
        assertThat(DeliveryLogBeans.sharedStore(config(Map.of()), Map.of("FUNCTIONS_CUSTOMHANDLER_PORT", "7071"))).isTrue();
        assertThat(DeliveryLogBeans.sharedStore(config(Map.of("graph-mailer.storage.connection-string", "UseDevelopmentStorage=true")),
                Map.of())).isTrue();
        assertThat(DeliveryLogBeans.sharedStore(config(Map.of("graph-mailer.transport", "outbox",
                "graph-mailer.storage.connection-string", "UseDevelopmentStorage=true")), Map.of())).as("dev and the outbox").isFalse();
    }

    @Test
    void givenAnExplicitStore_thenThatOneWhateverTheBudgetsIs() {
        assertThat(DeliveryLogBeans.sharedStore(config(Map.of("graph-mailer.delivery-log.store", "memory",
                "graph-mailer.budget.store", "table")), Map.of("FUNCTIONS_CUSTOMHANDLER_PORT", "7071"))).isFalse();
        assertThat(DeliveryLogBeans.sharedStore(config(Map.of("graph-mailer.delivery-log.store", "table",
                "graph-mailer.budget.store", "memory")), Map.of())).isTrue();
    }

    @Test
    void givenBadDeliveryLogSettings_thenEachIsNamedByItsEnvVar() {
        var problems = SettingsValidator.problems(config(Map.of("graph-mailer.delivery-log.table", "no-dashes",
                "graph-mailer.delivery-log.retention", "PT5M", "graph-mailer.delivery-log.memory-capacity", "0",
                "graph-mailer.delivery-log.store", "table")), true, Map.of());
        assertThat(problems).anyMatch(p -> p.startsWith("GRAPH_MAILER_DELIVERY_LOG_TABLE (no-dashes)"));
        assertThat(problems).anyMatch(p -> p.startsWith("GRAPH_MAILER_DELIVERY_LOG_RETENTION (PT5M)"));
        assertThat(problems).anyMatch(p -> p.startsWith("GRAPH_MAILER_DELIVERY_LOG_MEMORY_CAPACITY (0)"));
        assertThat(problems).anyMatch(p -> p.startsWith("GRAPH_MAILER_DELIVERY_LOG_STORE=table needs"));
        assertThat(SettingsValidator.problems(config(Map.of()), true, Map.of())).noneMatch(p -> p.contains("DELIVERY_LOG"));
    }
}
