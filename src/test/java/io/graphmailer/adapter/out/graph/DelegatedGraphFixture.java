package io.graphmailer.adapter.out.graph;

import io.graphmailer.adapter.out.identity.AccessTokenProvider;
import io.graphmailer.adapter.out.identity.BlobTokenCacheStore;
import io.graphmailer.adapter.out.identity.DelegatedTokenProvider;
import io.graphmailer.domain.DelegatedMailboxes;
import io.graphmailer.standin.Standins;
import io.graphmailer.support.TokenCacheStores;

import java.time.Clock;
import java.time.Duration;
import java.util.Set;
import java.util.UUID;

/**
 * The Graph transport of a delegated mailbox as a fresh process builds it, on the stand-ins: the public client and the
 * users registered with the identity stand-in, the token cache key in the Key Vault stand-in, an encrypted store on
 * Azurite (one container per fixture), app tokens for the app-only mailboxes.
 */
final class DelegatedGraphFixture {
    static final String PUBLIC_CLIENT_ID = "7d6c5b4a-3928-4170-8f6e-5d4c3b2a1908";
    static final String ALICE = "alice@contoso.test";

    final Standins standins = Standins.shared();
    private final String container = TokenCacheStores.newContainer();
    private final DelegatedMailboxes delegated;

    private final AccessTokenProvider appTokens = new StandinAppTokens(standins);

    DelegatedGraphFixture(DelegatedMailboxes delegated) {
        this.delegated = delegated;
    }

    /** Stand-ins reset; {@code user} may consent to {@code scopes}; every mailbox named exists at the Graph stand-in. */
    void reset(String user, Set<String> scopes, String... mailboxes) {
        standins.reset();
        standins.keyVault().createKey("graph-mailer-token-cache");
        standins.keyVault().grantCryptoUser(standins.functionIdentityOid());
        standins.identity().delegated().registerPublicClient(Standins.TENANT_ID, PUBLIC_CLIENT_ID);
        standins.identity().delegated().registerUser(user, UUID.randomUUID().toString(), scopes);
        for (String mailbox : mailboxes) {
            standins.graph().addMailbox(mailbox);
        }
    }

    BlobTokenCacheStore store() {
        return TokenCacheStores.at(container);
    }

    /** A fresh process's Graph transport (no token held from before). */
    GraphMailSender sender() {
        GraphClient client = new GraphClient(standins.graph().baseUrl(), appTokens, Duration.ofSeconds(5), 0, Duration.ofSeconds(1));
        DelegatedTokenProvider tokens = new DelegatedTokenProvider(delegated, store(), standins.identity().baseUrl(), Standins.TENANT_ID,
                PUBLIC_CLIENT_ID, Clock.systemUTC());
        client.delegated(delegated, () -> tokens);
        return new GraphMailSender(client);
    }
}
