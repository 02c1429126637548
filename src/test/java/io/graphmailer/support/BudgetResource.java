package io.graphmailer.support;

import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;

import java.util.HashMap;
import java.util.Map;

/**
 * Mailboxes with budgets scaled down so a test reaches each limit in a few sends (the safety margin is 500, so
 * {@code recipients-per-day=503} leaves 3). Each test uses its own mailbox: the in-process budget lives as long as the app.
 */
public class BudgetResource implements QuarkusTestResourceLifecycleManager {
    public static final String MINUTE = "budget-minute@contoso.example";
    public static final String DAILY = "budget-daily@contoso.example";
    public static final String GRAPH = "budget-graph@contoso.example";
    public static final String BUSY = "budget-busy@contoso.example";
    public static final String SDK_BUSY = "budget-sdk-busy@contoso.example";
    public static final String SDK_DAILY = "budget-sdk-daily@contoso.example";
    public static final String NEARLY_FULL = "budget-nearly-full@contoso.example";
    public static final String ASYNC = "budget-async@contoso.example";
    public static final String LISTED = "budget-listed@contoso.example";

    private Map<String, String> args = Map.of();

    /** Init arg {@code enqueue}: {@code queue} gives HTTP sends the outbox queue (with {@link AzuriteResource}). */
    @Override
    public void init(Map<String, String> initArgs) {
        args = initArgs;
    }

    @Override
    public Map<String, String> start() {
        Map<String, String> config = new HashMap<>();
        if (args.containsKey("enqueue")) {
            config.put("graph-mailer.jobs.enqueue", args.get("enqueue"));
        }
        config.put("graph-mailer.allowed-senders", String.join(",", "noreply@contoso.example", "shared-finance@contoso.example",
                MINUTE, DAILY, GRAPH, BUSY, SDK_BUSY, SDK_DAILY, NEARLY_FULL, ASYNC, LISTED));
        config.put("graph-mailer.budget.overrides", String.join(",",
                MINUTE + "/messages-per-minute=2",
                DAILY + "/recipients-per-day=503",
                GRAPH + "/graph-requests-per-ten-minutes=1",
                BUSY + "/concurrent-sends=1",
                SDK_BUSY + "/concurrent-sends=1",
                SDK_DAILY + "/recipients-per-day=502",
                NEARLY_FULL + "/recipients-per-day=510",
                ASYNC + "/messages-per-minute=1",
                LISTED + "/graph-requests-per-ten-minutes=1"));
        config.put("graph-mailer.budget.http-wait", "PT1S");
        return config;
    }

    @Override
    public void stop() {
    }
}
