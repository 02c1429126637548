package io.graphmailer.adapter.out.identity;

import java.time.Instant;

/** A bearer token; {@link #toString()} never shows it. */
public record AccessToken(String value, Instant expiresOn) {
    @Override
    public String toString() {
        return "AccessToken[expiresOn=" + expiresOn + "]";
    }
}
