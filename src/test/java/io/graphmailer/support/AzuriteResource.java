package io.graphmailer.support;

import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;

import java.util.HashMap;
import java.util.Map;

/**
 * Gives a test app Azurite's queues and tables, each test class its own queue and table names so
 * classes do not see each other's messages. Init arg {@code name} picks the names; {@code policy}, {@code fallback},
 * {@code lease} and {@code settle} the unknown-outcome settings.
 */
public class AzuriteResource implements QuarkusTestResourceLifecycleManager {
    private String name = "outbox";
    private String policy = "resend";
    private Map<String, String> args = Map.of();

    @Override
    public void init(Map<String, String> initArgs) {
        name = initArgs.getOrDefault("name", name);
        policy = initArgs.getOrDefault("policy", policy);
        args = initArgs;
    }

    @Override
    public Map<String, String> start() {
        Map<String, String> config = new HashMap<>();
        config.put("graph-mailer.storage.connection-string", Azurite.shared().connectionString());
        config.put("graph-mailer.queue.name", queueName(name));
        config.put("graph-mailer.storage.ledger-table", ledgerTable(name));
        config.put("graph-mailer.delivery-log.table", deliveryLogTable(name));
        // Short delays so retries happen within a test; the attempts bound is what is under test.
        config.put("graph-mailer.queue.max-attempts", "3");
        config.put("graph-mailer.queue.backoff-base", "PT1S");
        config.put("graph-mailer.queue.backoff-max", "PT2S");
        config.put("graph-mailer.queue.unknown-outcome-policy", policy);
        // Leases and the settle time in seconds, so a deferred delivery comes back within a test.
        // Longer than one send: a Graph timeout (5 s with the stand-ins, else the 30 s default) plus the retry budget.
        config.put("graph-mailer.queue.lease", args.getOrDefault("lease", "PT65S"));
        config.put("graph-mailer.queue.unknown-outcome-settle", args.getOrDefault("settle", "PT2S"));
        config.put("graph-mailer.queue.unknown-outcome-fallback", args.getOrDefault("fallback", "resend"));
        return config;
    }

    public static String queueName(String name) {
        return "gm-" + name;
    }

    public static String ledgerTable(String name) {
        return "ledger" + name.replaceAll("[^A-Za-z0-9]", "");
    }

    public static String deliveryLogTable(String name) {
        return "deliveries" + name.replaceAll("[^A-Za-z0-9]", "");
    }

    @Override
    public void stop() {
    }
}
