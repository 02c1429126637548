package io.graphmailer.adapter.out.identity;

import io.graphmailer.application.port.out.SignInStore;
import io.graphmailer.domain.Mailbox;

import java.util.Optional;

/**
 * Where each delegated mailbox's MSAL token cache (its refresh token) is kept between processes, encrypted, with
 * optimistic concurrency: a write names the version it was based on and fails with {@link Conflict} when another
 * process wrote since. Nothing read or written here is ever logged (docs/adr/0019). Its facts, delete and describe are
 * the {@link SignInStore} port the sign-in command, the doctor and the keep-alive use ({@code SignInFacts} is that port's).
 */
public interface TokenCacheStore extends SignInStore {

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

    /**
     * Writes the cache if the stored version is still {@code basedOn} ({@code null}: only if none is stored).
     *
     * @return the new version
     * @throws Conflict when another process wrote meanwhile
     */
    String write(Mailbox mailbox, String cache, SignInFacts facts, String basedOn);

    /** Writes whatever is stored (a new sign-in replaces the old one). */
    String replace(Mailbox mailbox, String cache, SignInFacts facts);
}
