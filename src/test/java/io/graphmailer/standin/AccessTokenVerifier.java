package io.graphmailer.standin;

import org.jose4j.jws.AlgorithmIdentifiers;
import org.jose4j.jws.JsonWebSignature;
import org.jose4j.jwx.JsonWebStructure;
import org.jose4j.lang.JoseException;

import java.security.PublicKey;
import java.time.Duration;
import java.time.Instant;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Verifies a bearer access token the way a resource (Graph, Key Vault) does: RS256 signature by the identity
 * stand-in's key, audience, issuer ({@code https://sts.windows.net/{tid}/} of a known tenant) and time window.
 */
final class AccessTokenVerifier {

    enum Failure {
        MISSING, MALFORMED, BAD_SIGNATURE, BAD_ISSUER, BAD_AUDIENCE, EXPIRED_OR_NOT_YET_VALID
    }

    /** Either {@code failure} or {@code claims} is set. */
    record Result(Failure failure, Map<String, Object> claims) {

        boolean ok() {
            return failure == null;
        }

        String claim(String name) {
            Object value = claims == null ? null : claims.get(name);
            return value == null ? null : value.toString();
        }

        List<String> roles() {
            Object value = claims == null ? null : claims.get("roles");
            if (value instanceof Collection<?> collection) {
                return collection.stream().map(Object::toString).toList();
            }
            return List.of();
        }

        boolean hasClaim(String name) {
            return claims != null && claims.containsKey(name);
        }
    }

    private final IdentityPlatformStandin identity;
    private final Set<String> audiences;
    private final Duration clockSkew;

    AccessTokenVerifier(IdentityPlatformStandin identity, Set<String> audiences, Duration clockSkew) {
        this.identity = identity;
        this.audiences = audiences;
        this.clockSkew = clockSkew;
    }

    /** @param authorization the whole {@code Authorization} header value (may be null) */
    Result verify(String authorization) {
        if (authorization == null || authorization.isBlank()) {
            return new Result(Failure.MISSING, null);
        }
        if (!authorization.regionMatches(true, 0, "Bearer ", 0, 7) || authorization.length() <= 7) {
            return new Result(Failure.MALFORMED, null);
        }
        String token = authorization.substring(7).trim();
        Map<String, Object> claims;
        try {
            JsonWebStructure structure = JsonWebStructure.fromCompactSerialization(token);
            if (!(structure instanceof JsonWebSignature jws)) {
                return new Result(Failure.MALFORMED, null);
            }
            if (!AlgorithmIdentifiers.RSA_USING_SHA256.equals(jws.getAlgorithmHeaderValue())) {
                return new Result(Failure.BAD_SIGNATURE, null);
            }
            PublicKey key = identity.signingKey();
            jws.setKey(key);
            if (!jws.verifySignature()) {
                return new Result(Failure.BAD_SIGNATURE, null);
            }
            claims = Jwts.parseJsonObject(jws.getPayload());
        } catch (JoseException | IllegalArgumentException e) {
            return new Result(Failure.MALFORMED, null);
        }
        Object iss = claims.get("iss");
        Object tid = claims.get("tid");
        if (tid == null || !identity.isKnownTenant(tid.toString())
                || !("https://sts.windows.net/" + tid + "/").equals(iss)) {
            return new Result(Failure.BAD_ISSUER, claims);
        }
        Object aud = claims.get("aud");
        if (aud == null || !audiences.contains(aud.toString())) {
            return new Result(Failure.BAD_AUDIENCE, claims);
        }
        Instant now = Instant.now();
        Long exp = Jwts.epochSeconds(claims.get("exp"));
        Long nbf = Jwts.epochSeconds(claims.get("nbf"));
        if (exp == null || !Instant.ofEpochSecond(exp).plus(clockSkew).isAfter(now)
                || (nbf != null && Instant.ofEpochSecond(nbf).minus(clockSkew).isAfter(now))) {
            return new Result(Failure.EXPIRED_OR_NOT_YET_VALID, claims);
        }
        return new Result(null, claims);
    }
}
