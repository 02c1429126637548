package io.graphmailer.standin;

import com.fasterxml.jackson.core.type.TypeReference;
import org.jose4j.jws.JsonWebSignature;
import org.jose4j.lang.JoseException;

import java.io.IOException;
import java.security.PrivateKey;
import java.util.Map;

/** Small JWT helpers over jose4j (signing) and Jackson (claims as plain maps). */
final class Jwts {

    private Jwts() {
    }

    static Map<String, Object> parseJsonObject(String json) {
        try {
            return StandinServer.JSON.readValue(json, new TypeReference<Map<String, Object>>() { });
        } catch (IOException e) {
            throw new IllegalArgumentException("not a JSON object", e);
        }
    }

    static Long epochSeconds(Object value) {
        if (value instanceof Number number) {
            return number.longValue();
        }
        return null;
    }

    /** Signs {@code claims} with {@code algorithm} (RS256, PS256); {@code headers} are added to the JOSE header. */
    static String sign(Map<String, Object> claims, Map<String, String> headers, PrivateKey key, String algorithm) {
        try {
            JsonWebSignature jws = new JsonWebSignature();
            jws.setPayload(StandinServer.JSON.writeValueAsString(claims));
            jws.setAlgorithmHeaderValue(algorithm);
            jws.setHeader("typ", "JWT");
            headers.forEach(jws::setHeader);
            jws.setKey(key);
            return jws.getCompactSerialization();
        } catch (JoseException | IOException e) {
            throw new IllegalStateException("cannot sign JWT", e);
        }
    }
}
