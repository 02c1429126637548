package io.graphmailer.adapter.out.identity;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;

/**
 * Reads claims of our own access tokens without verifying them: only to explain an error or a
 * doctor finding (which roles the app was granted), never to make a security decision.
 */
public final class JwtClaims {
    private static final ObjectMapper MAPPER = new ObjectMapper();

    private JwtClaims() {
    }

    public static JsonNode payload(String jwt) {
        try {
            String[] parts = jwt.split("\\.");
            if (parts.length < 2) {
                return MAPPER.createObjectNode();
            }
            return MAPPER.readTree(new String(Base64.getUrlDecoder().decode(parts[1]), StandardCharsets.UTF_8));
        } catch (Exception e) {
            return MAPPER.createObjectNode();
        }
    }

    public static List<String> roles(String jwt) {
        List<String> roles = new ArrayList<>();
        payload(jwt).path("roles").forEach(r -> roles.add(r.asText()));
        return roles;
    }
}
