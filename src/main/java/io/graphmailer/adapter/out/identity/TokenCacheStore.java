package io.graphmailer.adapter.out.identity;

import io.graphmailer.domain.Mailbox;

import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * Where each delegated mailbox's MSAL token cache (its refresh token) is kept between processes, encrypted, with
 * optimistic concurrency: a write names the version it was based on and fails with {@link Conflict} when another
 * process wrote since. Nothing read or written here is ever logged (docs/adr/0019).
 */
public interface TokenCacheStore {

    /** What the doctor may show about a sign-in: no token, no cache byte. */
    record SignInFacts(String account, List<String> scopes, Instant signedInAt, Instant lastRefresh) {
        public SignInFacts {
            scopes = List.copyOf(scopes);
        }

        public SignInFacts refreshedAt(Instant when) {
            return new SignInFacts(account, scopes, signedInAt, when);
        }
    }

    /** A stored cache: MSAL's serialized JSON, the version (ETag) it was read at, and its facts. */
    record Stored(String cache, String version, SignInFacts facts) {
        @Override
        public String toString() {
            return "Stored[version=" + version + ", facts=" + facts + "]"; // never the cache
        }
    }

    /** Another process wrote the cache since {@code basedOn} was read. */
    final class Conflict extends RuntimeException {
        public Conflict(Mailbox mailbox) {
            super("the token cache of " + mailbox + " was written by another process meanwhile");
        }
    }

    Optional<Stored> read(Mailbox mailbox);

    /** The facts only (no decryption, no Key Vault call): for the doctor. */
    Optional<SignInFacts> facts(Mailbox mailbox);

    /**
     * Writes the cache if the stored version is still {@code basedOn} ({@code null}: only if none is stored).
     *
     * @return the new version
     * @throws Conflict when another process wrote meanwhile
     */
    String write(Mailbox mailbox, String cache, SignInFacts facts, String basedOn);

    /** Writes whatever is stored (a new sign-in replaces the old one). */
    String replace(Mailbox mailbox, String cache, SignInFacts facts);

    /** Removes the mailbox's cache; whether one was there. */
    boolean delete(Mailbox mailbox);

    /** Where it is kept, for messages (a URL, never a key). */
    String describe();
}
