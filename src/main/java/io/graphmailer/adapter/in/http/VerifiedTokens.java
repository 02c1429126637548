package io.graphmailer.adapter.in.http;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.LongSupplier;

/**
 * Caller tokens that passed every check of {@link CallerAuthenticator}, so that a caller who sends the same token again
 * (a client library keeps its token for about an hour) is not charged a second RSA signature check
 * (docs/adr/0013-verified-caller-token-cache.md).
 * <p>
 * The key is the SHA-256 of the exact token string: only a byte-identical token can hit, and any other string, however
 * close, misses and is verified from scratch. An entry is used only inside the token's own validity window
 * ({@code nbf} to {@code exp}, without the clock skew the full check allows) and never after; only accepted tokens are
 * put here. At most {@link #MAX_ENTRIES} are kept, the least recently used going first.
 */
final class VerifiedTokens {
    static final int MAX_ENTRIES = 1_000;

    /** What an accepted token proved: who called, and the window in which the token may be used. */
    record Verified(Caller caller, long notBeforeEpochSecond, long expiresEpochSecond) {
    }

    private final int maxEntries;
    private final LongSupplier epochSeconds;
    private final Map<Key, Verified> entries;

    VerifiedTokens() {
        this(MAX_ENTRIES, () -> System.currentTimeMillis() / 1000);
    }

    VerifiedTokens(int maxEntries, LongSupplier epochSeconds) {
        this.maxEntries = maxEntries;
        this.epochSeconds = epochSeconds;
        this.entries = new LinkedHashMap<>(Math.min(maxEntries, 64) * 2, 0.75f, true) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<Key, Verified> eldest) {
                return size() > VerifiedTokens.this.maxEntries;
            }
        };
    }

    /** The caller of a token accepted before and still inside its own validity window; null otherwise. */
    Caller caller(String token) {
        Key key = Key.of(token);
        Verified hit;
        synchronized (entries) {
            hit = entries.get(key);
        }
        if (hit == null) {
            return null;
        }
        long now = epochSeconds.getAsLong();
        if (now < hit.notBeforeEpochSecond() || now >= hit.expiresEpochSecond()) {
            synchronized (entries) {
                entries.remove(key, hit);
            }
            return null;
        }
        return hit.caller();
    }

    /** Records a token that passed every check; one that is already outside its window is not kept. */
    void accepted(String token, Verified verified) {
        long now = epochSeconds.getAsLong();
        if (now < verified.notBeforeEpochSecond() || now >= verified.expiresEpochSecond()) {
            return;
        }
        Key key = Key.of(token);
        synchronized (entries) {
            entries.put(key, verified);
        }
    }

    int size() {
        synchronized (entries) {
            return entries.size();
        }
    }

    /** SHA-256 of the token's characters (UTF-8); the token itself is not kept. */
    private record Key(long a, long b, long c, long d) {
        static Key of(String token) {
            byte[] h;
            try {
                h = MessageDigest.getInstance("SHA-256").digest(token.getBytes(StandardCharsets.UTF_8));
            } catch (NoSuchAlgorithmException e) {
                throw new IllegalStateException("SHA-256 is part of every Java runtime", e);
            }
            return new Key(word(h, 0), word(h, 8), word(h, 16), word(h, 24));
        }

        private static long word(byte[] h, int from) {
            long v = 0;
            for (int i = from; i < from + 8; i++) {
                v = (v << 8) | (h[i] & 0xff);
            }
            return v;
        }
    }
}
