package io.graphmailer.wiring;

import io.graphmailer.config.GraphMailerConfig;
import io.graphmailer.config.SettingsValidator;

import java.util.Map;

/** The one rule for the stores that may be shared (the mailbox budget, the delivery log): table or this process's memory. */
final class SharedStores {
    private SharedStores() {
    }

    /** {@code table}; or {@code auto} with storage (behind the Functions host, a connection string or a table endpoint) and not the outbox. */
    static boolean shared(GraphMailerConfig.BudgetStore setting, GraphMailerConfig config, Map<String, String> env) {
        return switch (setting) {
            case TABLE -> true;
            case MEMORY -> false;
            case AUTO -> config.transport() != GraphMailerConfig.TransportKind.OUTBOX
                    && (present(env.get(SettingsValidator.FUNCTIONS_PORT_ENV))
                    || config.storage().connectionString().isPresent() || config.storage().tableEndpoint().isPresent());
        };
    }

    private static boolean present(String value) {
        return value != null && !value.isBlank();
    }
}
