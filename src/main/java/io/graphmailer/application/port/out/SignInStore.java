package io.graphmailer.application.port.out;

import io.graphmailer.domain.Mailbox;

import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * What is stored about each delegated mailbox's sign-in, as the sign-in command, the doctor and the keep-alive see it:
 * the facts (account, scopes, when signed in and last refreshed) kept with the stored token cache, so they survive
 * restarts and are the same for every instance. No token and no cache byte passes through this port (docs/adr/0019).
 */
public interface SignInStore {

    /** What may be shown about a sign-in: no token, no cache byte. */
    record SignInFacts(String account, List<String> scopes, Instant signedInAt, Instant lastRefresh) {
        public SignInFacts {
            scopes = List.copyOf(scopes);
        }

        public SignInFacts refreshedAt(Instant when) {
            return new SignInFacts(account, scopes, signedInAt, when);
        }
    }

    /** The facts only (no decryption, no Key Vault call); empty when nothing is stored for the mailbox. */
    Optional<SignInFacts> facts(Mailbox mailbox);

    /** Removes the mailbox's stored sign-in; whether one was there. */
    boolean delete(Mailbox mailbox);

    /** Where it is kept, for messages (a URL, never a key). */
    String describe();
}
