package io.graphmailer.attack;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.graphmailer.support.TestTokens;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.Signature;
import java.security.interfaces.RSAPrivateCrtKey;
import java.security.spec.RSAPublicKeySpec;
import java.time.Instant;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * Tokens as an attacker forges them: every claim and the header under the test's control (no builder fills in
 * iat or exp), signed with RS256 by any key, with HS256 by any secret, or not at all.
 */
final class AttackTokens {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Base64.Encoder B64 = Base64.getUrlEncoder().withoutPadding();

    private AttackTokens() {
    }

    /** The claims of a valid caller token, to be changed by {@code edit}. */
    static Map<String, Object> claims(Consumer<Map<String, Object>> edit) {
        long now = Instant.now().getEpochSecond();
        Map<String, Object> c = new LinkedHashMap<>();
        c.put("iss", TestTokens.ISSUER);
        c.put("aud", TestTokens.AUDIENCE);
        c.put("sub", TestTokens.CALLER_APP);
        c.put("azp", TestTokens.CALLER_APP);
        c.put("tid", TestTokens.TENANT);
        c.put("idtyp", "app");
        c.put("roles", List.of(TestTokens.ROLE));
        c.put("iat", now - 60);
        c.put("nbf", now - 60);
        c.put("exp", now + 3600);
        edit.accept(c);
        return c;
    }

    static Map<String, Object> header(String alg, String kid) {
        Map<String, Object> h = new LinkedHashMap<>();
        h.put("alg", alg);
        h.put("typ", "JWT");
        if (kid != null) {
            h.put("kid", kid);
        }
        return h;
    }

    static String rs256(Map<String, Object> header, Map<String, Object> claims, PrivateKey key) {
        String input = part(header) + "." + part(claims);
        try {
            Signature s = Signature.getInstance("SHA256withRSA");
            s.initSign(key);
            s.update(input.getBytes(StandardCharsets.US_ASCII));
            return input + "." + B64.encodeToString(s.sign());
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    /** A valid caller token signed by the test caller key, with {@code edit} applied to its claims. */
    static String signed(Consumer<Map<String, Object>> edit) {
        return rs256(header("RS256", "test-caller-key"), claims(edit), TestTokens.key());
    }

    static String hs256(Map<String, Object> header, Map<String, Object> claims, byte[] secret) {
        String input = part(header) + "." + part(claims);
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(secret, "HmacSHA256"));
            return input + "." + B64.encodeToString(mac.doFinal(input.getBytes(StandardCharsets.US_ASCII)));
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    static String unsigned(Map<String, Object> header, Map<String, Object> claims) {
        return part(header) + "." + part(claims) + ".";
    }

    /** The public half of the test caller key, as an attacker finds it in the published JWKS. */
    static PublicKey publicKey() {
        try {
            RSAPrivateCrtKey k = (RSAPrivateCrtKey) TestTokens.key();
            return KeyFactory.getInstance("RSA").generatePublic(new RSAPublicKeySpec(k.getModulus(), k.getPublicExponent()));
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    static byte[] publicKeyPem() {
        String b64 = Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII)).encodeToString(publicKey().getEncoded());
        return ("-----BEGIN PUBLIC KEY-----\n" + b64 + "\n-----END PUBLIC KEY-----\n").getBytes(StandardCharsets.US_ASCII);
    }

    static byte[] jwksText() {
        try {
            return Files.readAllBytes(Path.of("src/test/resources/test-caller-jwks.json"));
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private static String part(Map<String, Object> json) {
        try {
            return B64.encodeToString(JSON.writeValueAsBytes(json));
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
