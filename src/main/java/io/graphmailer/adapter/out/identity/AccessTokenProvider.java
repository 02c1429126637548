package io.graphmailer.adapter.out.identity;

import io.graphmailer.domain.MailTransportException;

/** App-only tokens for a resource scope such as {@code https://graph.microsoft.com/.default}. */
public interface AccessTokenProvider {

    /**
     * A token valid for a while yet: cached and reused until near expiry.
     *
     * @throws MailTransportException CONFIGURATION when the app, certificate or consent is wrong
     */
    AccessToken token(String scope);

    /** A fresh token, ignoring the cache: after a resource refused the cached one. */
    AccessToken freshToken(String scope);

    /** Thumbprint of the certificate tokens are signed with now, when known (the doctor compares it with the vault's). */
    default java.util.Optional<String> signingThumbprint() {
        return java.util.Optional.empty();
    }
}
