package io.graphmailer.support;

import io.smallrye.jwt.build.Jwt;
import io.smallrye.jwt.build.JwtClaimsBuilder;
import io.smallrye.jwt.util.KeyUtils;

import java.security.KeyPairGenerator;
import java.security.NoSuchAlgorithmException;
import java.security.PrivateKey;
import java.time.Instant;
import java.util.List;

/** Locally signed Entra-shaped access tokens for the test profile's caller auth. */
public final class TestTokens {
    public static final String TENANT = "11111111-2222-3333-4444-555555555555";
    public static final String ISSUER = "https://login.microsoftonline.com/" + TENANT + "/v2.0";
    public static final String AUDIENCE = "api://graph-mailer-test";
    public static final String ROLE = "GraphMailer.Send";
    public static final String CALLER_APP = "99999999-8888-7777-6666-555555555555";

    private TestTokens() {
    }

    public static String valid() {
        return builder(ISSUER, AUDIENCE, List.of(ROLE), Instant.now().plusSeconds(3600)).sign(key());
    }

    public static String bearer() {
        return "Bearer " + valid();
    }

    public static JwtClaimsBuilder builder(String issuer, String audience, List<String> roles, Instant expires) {
        return Jwt.issuer(issuer)
                .audience(audience)
                .subject(CALLER_APP)
                .claim("azp", CALLER_APP)
                .claim("tid", TENANT)
                .claim("idtyp", "app")
                .claim("roles", roles)
                .issuedAt(expires.minusSeconds(3600))
                .expiresAt(expires);
    }

    public static String sign(JwtClaimsBuilder claims) {
        return claims.jws().keyId("test-caller-key").sign(key());
    }

    public static PrivateKey key() {
        try {
            return KeyUtils.readPrivateKey("test-caller-key.pem");
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    public static PrivateKey otherKey() {
        try {
            KeyPairGenerator g = KeyPairGenerator.getInstance("RSA");
            g.initialize(2048);
            return g.generateKeyPair().getPrivate();
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
