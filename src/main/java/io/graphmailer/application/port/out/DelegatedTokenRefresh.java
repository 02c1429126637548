package io.graphmailer.application.port.out;

import io.graphmailer.domain.Mailbox;

/** The keep-alive's one call: redeem the delegated mailbox's stored refresh token now and store the rotated one. */
public interface DelegatedTokenRefresh {

    /**
     * @return the sign-in's facts after the refresh (its new last-refresh time)
     * @throws io.graphmailer.domain.SignInRequiredException when the mailbox must be signed in again
     */
    SignInStore.SignInFacts refresh(Mailbox mailbox);
}
