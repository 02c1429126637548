package io.graphmailer.support;

import io.graphmailer.standin.Standins;
import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;

import java.time.Duration;
import java.util.HashMap;
import java.util.Map;

/**
 * Points a test's app at the local stand-ins with transport graph. Init args shape the world the app
 * starts in: {@code tokenLifetimeSeconds} (short lifetimes make MSAL ask for a token on every send),
 * {@code keyVault} = {@code denied}, {@code stopped} or {@code foreign-challenge} (its challenge names
 * {@value #FOREIGN_VAULT_RESOURCE}, which the vault URL is not under), {@code warmUp} = {@code true} (off by default),
 * {@code graphRoles} (comma-separated Graph app roles; default Mail.Send,Mail.ReadBasic as Terraform grants them), {@code retryBudget}.
 */
public class StandinsResource implements QuarkusTestResourceLifecycleManager {
    public static final String OTHER_MAILBOX = "reports@contoso.test";
    public static final String UNSCOPED_MAILBOX = "ceo@contoso.test";
    public static final String FOREIGN_VAULT_RESOURCE = "https://vault.azure.net";
    private Map<String, String> args = Map.of();

    @Override
    public void init(Map<String, String> initArgs) {
        this.args = initArgs;
    }

    @Override
    public Map<String, String> start() {
        Standins s = Standins.shared();
        if (!s.keyVault().isRunning()) {
            s.keyVault().start();
        }
        s.reset();
        prepare(s);
        Map<String, String> config = new HashMap<>();
        config.put("graph-mailer.transport", "graph");
        config.put("graph-mailer.tenant-id", s.tenantId());
        config.put("graph-mailer.client-id", s.clientId());
        config.put("graph-mailer.key-vault-url", s.vaultUrl());
        config.put("graph-mailer.certificate-name", Standins.CERTIFICATE_NAME);
        config.put("graph-mailer.authority-host", s.identity().baseUrl());
        config.put("graph-mailer.graph.base-url", s.graph().baseUrl());
        config.put("graph-mailer.allowed-senders", String.join(",", s.mailbox(), OTHER_MAILBOX, UNSCOPED_MAILBOX));
        config.put("graph-mailer.graph.max-throttle-wait", "PT3S");
        config.put("graph-mailer.graph.timeout", args.getOrDefault("graphTimeout", "PT5S"));
        if (args.containsKey("retryBudget")) {
            config.put("graph-mailer.graph.retry-budget", args.get("retryBudget"));
        }
        // Warm-up reads Key Vault in the background at start; a test resetting the stand-ins at that moment would
        // race it. Off unless a test asks for it (init arg warmUp=true).
        config.put("graph-mailer.warm-up", args.getOrDefault("warmUp", "false"));
        if (args.containsKey("certificateCheckInterval")) {
            config.put("graph-mailer.certificate-check-interval", args.get("certificateCheckInterval"));
        }
        return config;
    }

    /** Applies the init args to freshly reset stand-ins (also used by tests between cases). */
    public void prepare(Standins s) {
        s.graph().addMailbox(OTHER_MAILBOX);
        s.graph().addMailbox(UNSCOPED_MAILBOX);
        s.graph().restrictApp(Standins.CLIENT_ID, java.util.Set.of(s.mailbox(), OTHER_MAILBOX));
        // What Terraform grants in access_policy mode: Mail.Send, and Mail.ReadBasic for the queue's policy verify.
        s.identity().grantRoles(Standins.CLIENT_ID, io.graphmailer.standin.IdentityPlatformStandin.GRAPH_RESOURCE,
                java.util.Set.of(args.getOrDefault("graphRoles", "Mail.Send,Mail.ReadBasic").split(",")));
        if (args.containsKey("tokenLifetimeSeconds")) {
            s.identity().tokenLifetime(Duration.ofSeconds(Long.parseLong(args.get("tokenLifetimeSeconds"))));
        }
        switch (args.getOrDefault("keyVault", "up")) {
            case "denied" -> s.keyVault().revokeAccess(Standins.FUNCTION_IDENTITY_OID);
            case "stopped" -> s.keyVault().stop();
            case "foreign-challenge" -> s.keyVault().challengeResource(FOREIGN_VAULT_RESOURCE);
            default -> {
            }
        }
    }

    @Override
    public void stop() {
        // Nothing: the next start() resets the stand-ins (and restarts a stopped vault). Quarkus may
        // start the next test app's resources before stopping this one.
    }
}
