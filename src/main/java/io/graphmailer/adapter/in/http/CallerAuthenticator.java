package io.graphmailer.adapter.in.http;

import io.smallrye.jwt.auth.principal.DefaultJWTParser;
import io.smallrye.jwt.auth.principal.JWTAuthContextInfo;
import io.smallrye.jwt.auth.principal.JWTParser;
import io.smallrye.jwt.auth.principal.ParseException;
import org.eclipse.microprofile.jwt.JsonWebToken;
import org.jose4j.jwt.consumer.ErrorCodes;
import org.jose4j.jwt.consumer.InvalidJwtException;

import java.util.Set;

/**
 * Checks a caller's Microsoft Entra ID access token: signature against the tenant's published keys,
 * issuer, audience, lifetime, and the app role this deployment requires. Built once; the parser
 * caches the signing keys.
 */
public final class CallerAuthenticator {

    /** Why a caller was refused; {@code status} is 401 or 403. */
    public static final class Refused extends RuntimeException {
        private final int status;

        public Refused(int status, String message) {
            super(message, null, false, false);
            this.status = status;
        }

        public int status() {
            return status;
        }
    }

    private final JWTParser parser;
    private final String requiredRole;
    private final String issuer;

    public CallerAuthenticator(String jwksLocation, String issuer, String audience, String requiredRole) {
        JWTAuthContextInfo info = new JWTAuthContextInfo(jwksLocation, issuer);
        info.setExpectedAudience(Set.of(audience));
        info.setGroupsPath("roles");
        info.setRequireNamedPrincipal(false); // app-only tokens name no user
        info.setClockSkew(120);
        this.parser = new DefaultJWTParser(info);
        this.requiredRole = requiredRole;
        this.issuer = issuer;
    }

    /** @return the caller's app id (or subject) for logs; throws {@link Refused} otherwise */
    public String authenticate(String authorizationHeader) {
        if (authorizationHeader == null || authorizationHeader.isBlank()) {
            throw new Refused(401, "no bearer token: send 'Authorization: Bearer <token>' from Microsoft Entra ID for this app");
        }
        String[] parts = authorizationHeader.trim().split("\\s+", 2);
        if (parts.length != 2 || !parts[0].equalsIgnoreCase("Bearer")) {
            throw new Refused(401, "the Authorization header must use the Bearer scheme");
        }
        JsonWebToken jwt;
        try {
            jwt = parser.parse(parts[1]);
        } catch (ParseException e) {
            throw new Refused(401, reason(e));
        }
        if (!jwt.getGroups().contains(requiredRole)) {
            throw new Refused(403, "the token carries no '" + requiredRole
                    + "' app role: assign that app role of graph-mailer's app registration to the calling application");
        }
        Object appId = jwt.getClaim("azp") != null ? jwt.getClaim("azp") : jwt.getClaim("appid");
        return appId != null ? appId.toString() : String.valueOf(jwt.getSubject());
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
