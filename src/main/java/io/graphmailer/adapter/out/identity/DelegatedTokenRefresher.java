package io.graphmailer.adapter.out.identity;

import io.graphmailer.application.port.out.DelegatedTokenRefresh;
import io.graphmailer.application.port.out.SignInStore;
import io.graphmailer.domain.Mailbox;
import jakarta.inject.Inject;
import jakarta.inject.Singleton;

/**
 * The keep-alive's refresh: {@link DelegatedTokenProvider#refresh} for the scope the mailbox sends with (the one it
 * signed in for), which redeems the stored refresh token and writes the rotated one back. No mail is sent.
 */
@Singleton
public final class DelegatedTokenRefresher implements DelegatedTokenRefresh {
    private final DelegatedTokenProvider tokens;
    private final DeviceCodeSignIn scopes;

    @Inject
    public DelegatedTokenRefresher(DelegatedTokenProvider tokens, DeviceCodeSignIn scopes) {
        this.tokens = tokens;
        this.scopes = scopes;
    }

    @Override
    public SignInStore.SignInFacts refresh(Mailbox mailbox) {
        return tokens.refresh(mailbox, scopes.sendScope(mailbox));
    }
}
