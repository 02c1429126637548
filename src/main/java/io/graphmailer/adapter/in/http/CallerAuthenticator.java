package io.graphmailer.adapter.in.http;

import io.graphmailer.config.GraphMailerConfig;
import io.graphmailer.domain.Violation;
import io.smallrye.jwt.auth.principal.DefaultJWTParser;
import io.smallrye.jwt.auth.principal.JWTAuthContextInfo;
import io.smallrye.jwt.auth.principal.JWTParser;
import io.smallrye.jwt.auth.principal.ParseException;
import org.eclipse.microprofile.jwt.JsonWebToken;
import org.jose4j.jwt.consumer.ErrorCodes;
import org.jose4j.jwt.consumer.InvalidJwtException;

import jakarta.inject.Inject;
import jakarta.inject.Singleton;
import jakarta.json.JsonArray;
import jakarta.json.JsonNumber;
import jakarta.json.JsonString;
import jakarta.json.JsonValue;

import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * Checks a caller's Microsoft Entra ID access token: signature against the tenant's published keys (RS256 only),
 * issuer, audience, tenant ({@code tid}), lifetime ({@code exp}, {@code nbf}, {@code iat} with a stated clock skew),
 * and the app role this deployment requires, in {@code roles}. One per process; the parser caches the signing keys.
 * A token that passed every check is remembered by its SHA-256 ({@link VerifiedTokens}) until its own {@code exp}, so a
 * caller that sends the same token again is not charged another RSA signature check; any other token string is checked
 * in full.
 */
@Singleton
final class CallerAuthenticator {

    /** Longest Authorization header read; Entra access tokens are a few KB even with many roles. */
    public static final int MAX_AUTHORIZATION_CHARS = 16 * 1024;
    /** Allowed difference between our clock and the identity platform's, for exp, nbf and iat. */
    public static final int CLOCK_SKEW_SECONDS = 300;

    private final String jwksLocation;
    private final String audience;
    private final String requiredRole;
    private final String issuer;
    private final String tenantId;
    private volatile JWTParser parser;
    private final VerifiedTokens verified;

    /** Reads {@code graph-mailer.caller-auth}; the tenant's issuer and keys unless set. Nothing is fetched here. */
    @Inject
    CallerAuthenticator(GraphMailerConfig config) {
        this(config, new VerifiedTokens());
    }

    CallerAuthenticator(GraphMailerConfig config, VerifiedTokens verified) {
        this.verified = verified;
        GraphMailerConfig.CallerAuth auth = config.callerAuth();
        String tenant = config.tenantId().orElse("");
        this.issuer = auth.issuer().orElse("https://login.microsoftonline.com/" + tenant + "/v2.0");
        this.jwksLocation = auth.jwksUrl().orElse("https://login.microsoftonline.com/" + tenant + "/discovery/v2.0/keys");
        this.audience = auth.audience().orElse(null);
        this.requiredRole = auth.requiredRole();
        this.tenantId = auth.tenantId().orElse(tenant).trim();
    }

    /** Built on the first token: the parser fetches and caches the signing keys. */
    private JWTParser parser() {
        JWTParser p = parser;
        if (p == null) {
            synchronized (this) {
                if (parser == null) {
                    JWTAuthContextInfo info = new JWTAuthContextInfo(jwksLocation, issuer);
                    info.setExpectedAudience(Set.of(Objects.requireNonNull(audience,
                            "graph-mailer.caller-auth.audience is required when caller-auth.mode is entra")));
                    info.setRequireNamedPrincipal(false); // app-only tokens name no user
                    info.setClockSkew(CLOCK_SKEW_SECONDS);
                    parser = new DefaultJWTParser(info);
                }
                p = parser;
            }
        }
        return p;
    }

    /** @return the caller: its app id (or subject) and app roles; throws a 401 or 403 {@link ProblemException} otherwise */
    public Caller authenticate(String authorizationHeader) {
        return authenticate(authorizationHeader, true);
    }

    /**
     * @param sendRoute whether the route sends mail: it needs the required (send) app role; any other /api route (reading
     *                  the delivery log, operating the service) also takes a token whose only role is {@link Caller#ADMIN_ROLE}
     */
    public Caller authenticate(String authorizationHeader, boolean sendRoute) {
        Caller caller = verify(authorizationHeader);
        if (sendRoute && !caller.roles().contains(requiredRole)) {
            throw forbidden("the token carries no '" + requiredRole + "' app role in roles (" + Caller.ADMIN_ROLE
                    + " alone reads and operates, it does not send): assign '" + requiredRole + "' of graph-mailer's app registration"
                    + " to the calling application");
        }
        return caller;
    }

    private Caller verify(String authorizationHeader) {
        if (authorizationHeader == null || authorizationHeader.isBlank()) {
            throw unauthenticated("no bearer token: send 'Authorization: Bearer <token>' from Microsoft Entra ID for this app");
        }
        if (authorizationHeader.length() > MAX_AUTHORIZATION_CHARS) {
            throw unauthenticated("the Authorization header is longer than " + MAX_AUTHORIZATION_CHARS
                    + " characters; it is not an access token from Microsoft Entra ID");
        }
        String[] parts = authorizationHeader.trim().split("\\s+", 2);
        if (parts.length != 2 || !parts[0].equalsIgnoreCase("Bearer")) {
            throw unauthenticated("the Authorization header must use the Bearer scheme");
        }
        String token = parts[1];
        Caller known = verified.caller(token);
        if (known != null) {
            return known;
        }
        JsonWebToken jwt;
        try {
            jwt = parser().parse(token);
        } catch (ParseException e) {
            throw unauthenticated(reason(e));
        }
        Object tid = jwt.getClaim("tid");
        if (tid == null) {
            throw unauthenticated("the token names no tenant (tid): it is not an access token from Microsoft Entra ID");
        }
        if (!text(tid).equalsIgnoreCase(tenantId) || tenantId.isEmpty()) {
            throw unauthenticated("the token's tenant (tid) is not graph-mailer's tenant " + tenantId);
        }
        long now = System.currentTimeMillis() / 1000;
        long issuedAt = jwt.getIssuedAtTime();
        if (issuedAt <= 0) {
            throw unauthenticated("the token has no issue time (iat)");
        }
        if (issuedAt > now + CLOCK_SKEW_SECONDS || notBefore(jwt) > now + CLOCK_SKEW_SECONDS) {
            throw unauthenticated("the token is not yet valid (iat or nbf more than " + CLOCK_SKEW_SECONDS / 60
                    + " minutes in the future)");
        }
        Set<String> roles = roles(jwt.getClaim("roles"));
        if (!roles.contains(requiredRole) && !roles.contains(Caller.ADMIN_ROLE)) {
            throw forbidden("the token carries no '" + requiredRole
                    + "' app role in roles: assign that app role of graph-mailer's app registration to the calling application");
        }
        Object appId = jwt.getClaim("azp") != null ? jwt.getClaim("azp") : jwt.getClaim("appid");
        Caller caller = new Caller(appId != null ? text(appId) : String.valueOf(jwt.getSubject()), roles);
        // Only now, after every check passed; a refused token is never remembered.
        verified.accepted(token, new VerifiedTokens.Verified(caller, notBefore(jwt), jwt.getExpirationTime()));
        return caller;
    }

    private static ProblemException unauthenticated(String why) {
        return refusal(Problem.of(401, "unauthenticated", "Caller not authenticated", why, "InvalidAuthenticationToken"), why);
    }

    private static ProblemException forbidden(String why) {
        return refusal(Problem.of(403, "caller-forbidden", "Caller lacks the required app role", why, "ErrorAccessDenied"), why);
    }

    private static ProblemException refusal(Problem problem, String why) {
        return new ProblemException(problem.withErrors(List.of(new Violation("Authorization", why))));
    }

    /** App roles come from {@code roles} only (never {@code groups}, {@code scp} or another claim), as an array. */
    private static Set<String> roles(Object claim) {
        Set<String> out = new HashSet<>();
        if (claim instanceof JsonArray array) {
            for (JsonValue v : array) {
                if (v instanceof JsonString s) {
                    out.add(s.getString());
                }
            }
        } else if (claim instanceof Collection<?> values) {
            values.forEach(v -> out.add(text(v)));
        }
        return out;
    }

    private static long notBefore(JsonWebToken jwt) {
        Object nbf = jwt.getClaim("nbf");
        if (nbf instanceof JsonNumber n) {
            return n.longValue();
        }
        return nbf instanceof Number n ? n.longValue() : 0;
    }

    private static String text(Object claim) {
        return claim instanceof JsonString s ? s.getString() : String.valueOf(claim);
    }

    private String reason(ParseException e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof InvalidJwtException invalid) {
                if (invalid.hasExpired()) {
                    return "the token has expired";
                }
                if (invalid.hasErrorCode(ErrorCodes.ISSUER_INVALID) || invalid.hasErrorCode(ErrorCodes.ISSUER_MISSING)) {
                    return "the token's issuer is not " + issuer + " (wrong tenant, or a v1.0 token where v2.0 is expected)";
                }
                if (invalid.hasErrorCode(ErrorCodes.AUDIENCE_INVALID) || invalid.hasErrorCode(ErrorCodes.AUDIENCE_MISSING)) {
                    return "the token's audience is not graph-mailer's app: request it for scope '<graph-mailer app id URI>/.default'";
                }
                if (invalid.hasErrorCode(ErrorCodes.SIGNATURE_INVALID) || invalid.hasErrorCode(ErrorCodes.SIGNATURE_MISSING)) {
                    return "the token's signature is not valid for the tenant's signing keys";
                }
                if (invalid.hasErrorCode(ErrorCodes.NOT_YET_VALID) || invalid.hasErrorCode(ErrorCodes.ISSUED_AT_INVALID_FUTURE)) {
                    return "the token is not yet valid";
                }
            }
        }
        return "the token is not a valid access token for graph-mailer";
    }
}
