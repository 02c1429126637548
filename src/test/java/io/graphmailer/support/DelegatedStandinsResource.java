package io.graphmailer.support;

import io.graphmailer.standin.Standins;

import java.util.Map;
import java.util.Set;

/**
 * {@link StandinsResource} with the stand-ins' mailbox delegated: the public-client registration and the mailbox's user
 * on the identity stand-in, the token cache key in the Key Vault stand-in, the token container on Azurite.
 */
public class DelegatedStandinsResource extends StandinsResource {
    public static final String PUBLIC_CLIENT_ID = "7d6c5b4a-3928-4170-8f6e-5d4c3b2a1908";
    public static final String KEY_NAME = TokenCacheStores.KEY_NAME;

    @Override
    public Map<String, String> start() {
        Map<String, String> config = new java.util.HashMap<>(super.start());
        Azurite azurite = Azurite.shared();
        Standins s = Standins.shared();
        config.put("graph-mailer.delegated.mailboxes", s.mailbox());
        config.put("graph-mailer.delegated.client-id", PUBLIC_CLIENT_ID);
        config.put("graph-mailer.delegated.token-container-url", azurite.blobEndpoint() + "/tokens-wiring-" + System.nanoTime());
        config.put("graph-mailer.delegated.key-name", KEY_NAME);
        config.put("graph-mailer.storage.connection-string", azurite.connectionString());
        return config;
    }

    @Override
    public void prepare(Standins s) {
        super.prepare(s);
        s.keyVault().createKey(KEY_NAME);
        s.keyVault().grantCryptoUser(s.functionIdentityOid());
        s.identity().delegated().registerPublicClient(Standins.TENANT_ID, PUBLIC_CLIENT_ID);
        s.identity().delegated().registerUser(s.mailbox(), java.util.UUID.randomUUID().toString(),
                Set.of("https://graph.microsoft.com/Mail.Send"));
    }
}
