package io.graphmailer.support;

import io.graphmailer.adapter.out.identity.BlobTokenCacheStore;
import io.graphmailer.adapter.out.identity.DeviceCodeSignIn;
import io.graphmailer.domain.DelegatedMailboxes;
import io.graphmailer.domain.Mailbox;
import io.graphmailer.domain.SmtpMailboxes;
import io.graphmailer.standin.Standins;
import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;

import java.time.Clock;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Makes {@link StandinsResource#OTHER_MAILBOX} and {@link StandinsResource#UNSCOPED_MAILBOX} delegated mailboxes of the test app: the public client
 * {@link #PUBLIC_CLIENT_ID}, the token caches in an Azurite blob container of its own per test class (init arg
 * {@code name}) encrypted with the Key Vault stand-in's key, and a sign-in recheck of a second so a waiting message comes
 * back within a test. Use with {@link StandinsResource} and {@link AzuriteResource}; the test prepares the stand-ins
 * ({@link #prepare}) after each reset.
 */
public class DelegatedResource implements QuarkusTestResourceLifecycleManager {
    public static final String PUBLIC_CLIENT_ID = "7d6c5b4a-3928-4170-8f6e-5d4c3b2a1908";
    public static final String MAILBOX = StandinsResource.OTHER_MAILBOX;
    /** A second delegated mailbox that no test signs in. */
    public static final String NEVER_SIGNED_IN = StandinsResource.UNSCOPED_MAILBOX;
    public static final String KEY_NAME = TokenCacheStores.KEY_NAME;
    private String name = "delegated";
    private Map<String, String> args = Map.of();

    /**
     * Init args: {@code name} (the container), {@code enqueue} ({@code queue}: HTTP respond-async puts mail on the outbox
     * queue), {@code smtp} ({@code true}: {@link #MAILBOX} sends through the SMTP stand-in).
     */
    @Override
    public void init(Map<String, String> initArgs) {
        name = initArgs.getOrDefault("name", name);
        args = initArgs;
    }

    public static String containerUrl(String name) {
        return Azurite.shared().blobEndpoint() + "/tokens-" + name.replaceAll("[^a-z0-9]", "");
    }

    @Override
    public Map<String, String> start() {
        Map<String, String> config = new HashMap<>();
        config.put("graph-mailer.delegated.mailboxes", MAILBOX + "," + NEVER_SIGNED_IN);
        config.put("graph-mailer.delegated.client-id", PUBLIC_CLIENT_ID);
        config.put("graph-mailer.delegated.token-container-url", containerUrl(name));
        config.put("graph-mailer.delegated.key-name", KEY_NAME);
        config.put("graph-mailer.delegated.sign-in-recheck", "PT1S");
        if (Boolean.parseBoolean(args.get("smtp"))) {
            // The delegated mailbox sends through the SMTP stand-in (SmtpStandin.shared(), started here).
            io.graphmailer.standin.SmtpStandin smtp = io.graphmailer.standin.SmtpStandin.shared();
            config.put("graph-mailer.smtp.mailboxes", MAILBOX);
            config.put("graph-mailer.smtp.host", "localhost");
            config.put("graph-mailer.smtp.port", Integer.toString(smtp.port()));
            config.put("graph-mailer.smtp.timeout", "PT5S");
        }
        if (args.containsKey("enqueue")) {
            config.put("graph-mailer.jobs.enqueue", args.get("enqueue"));
        }
        return config;
    }

    /** The stand-ins' side of delegated mode, after {@code standins.reset()}: the key, the public client, the user. */
    public static void prepare(Standins standins, Set<String> consented) {
        standins.keyVault().createKey(KEY_NAME);
        standins.keyVault().grantCryptoUser(standins.functionIdentityOid());
        standins.identity().delegated().registerPublicClient(Standins.TENANT_ID, PUBLIC_CLIENT_ID);
        standins.identity().delegated().registerUser(MAILBOX, "5a4b3c2d-1e0f-4a9b-8c7d-6e5f4a3b2c1d", consented);
    }

    /** The encrypted token cache store of the test class whose container is {@code name}, as the app reads it. */
    public static BlobTokenCacheStore store(String name) {
        return TokenCacheStores.at(containerUrl(name));
    }

    /**
     * What an operator's {@code graph-mailer signin} does for {@code mailbox} (device code on the identity stand-in, the
     * user approving as itself), into the store of the test class whose container is {@code name}.
     */
    public static void signIn(Standins standins, String name, String mailbox) {
        DelegatedMailboxes delegated = DelegatedMailboxes.of(List.of(mailbox));
        new DeviceCodeSignIn(delegated, SmtpMailboxes.NONE, store(name),
                standins.identity().baseUrl(), Standins.TENANT_ID, PUBLIC_CLIENT_ID, Clock.systemUTC())
                .signIn(new Mailbox(mailbox), prompt -> {
                    if (!standins.identity().delegated().approve(prompt.userCode(), mailbox)) {
                        throw new AssertionError("the identity stand-in did not take the user code of " + mailbox);
                    }
                });
    }

    /** Removes {@code mailbox}'s token cache from the store of the test class whose container is {@code name}. */
    public static void signOut(String name, String mailbox) {
        store(name).delete(new Mailbox(mailbox));
    }

    @Override
    public void stop() {
    }
}
