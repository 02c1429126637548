package io.graphmailer.adapter.out.graph;

import io.graphmailer.adapter.out.identity.AccessToken;
import io.graphmailer.adapter.out.identity.AccessTokenProvider;
import io.graphmailer.standin.IdentityPlatformStandin;
import io.graphmailer.standin.Standins;

import java.time.Instant;

/** App tokens as the identity platform stand-in issues them now (with the app's current roles), for Graph client tests. */
final class StandinAppTokens implements AccessTokenProvider {
    private final Standins standins;

    StandinAppTokens(Standins standins) {
        this.standins = standins;
    }

    @Override
    public AccessToken token(String scope) {
        return new AccessToken(standins.identity().mintAppToken(Standins.CLIENT_ID, IdentityPlatformStandin.GRAPH_RESOURCE),
                Instant.now().plusSeconds(3600));
    }

    @Override
    public AccessToken freshToken(String scope) {
        return token(scope);
    }
}
