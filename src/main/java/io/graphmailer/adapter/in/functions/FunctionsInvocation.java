package io.graphmailer.adapter.in.functions;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;

/**
 * The Functions host's invocation request to a custom handler: {@code {"Data":{...},"Metadata":{...}}}.
 * The host serializes plain values once more (a queue message {@code hello} arrives as {@code "\"hello\""},
 * {@code DequeueCount} as {@code "1"}); the documented form is plain. Both are read.
 */
public record FunctionsInvocation(JsonNode data, JsonNode metadata) {
    private static final ObjectMapper MAPPER = new ObjectMapper();

    public static FunctionsInvocation parse(byte[] body) throws IOException {
        JsonNode root = MAPPER.readTree(body);
        if (root == null || !root.isObject()) {
            throw new IOException("the invocation body is not a JSON object");
        }
        return new FunctionsInvocation(root.path("Data"), root.path("Metadata"));
    }

    /** The text of a binding's data, unwrapped from the host's extra JSON layer if present. */
    public String dataText(String binding) {
        JsonNode node = data.get(binding);
        if (node == null || node.isNull()) {
            return null;
        }
        if (node.isObject() || node.isArray()) {
            return node.toString();
        }
        return unwrap(node.asText());
    }

    /** A metadata value as text, unwrapped the same way. */
    public String metadataText(String key) {
        JsonNode node = metadata.get(key);
        if (node == null || node.isNull()) {
            return null;
        }
        return node.isValueNode() ? unwrap(node.asText()) : node.toString();
    }

    public int dequeueCount() {
        String value = metadataText("DequeueCount");
        try {
            return value == null ? 1 : Integer.parseInt(value.trim());
        } catch (NumberFormatException e) {
            return 1;
        }
    }

    /** The queue message's {@code InsertionTime} (an ISO date with offset), or null when absent or unreadable. */
    public java.time.Instant insertionTime() {
        String value = metadataText("InsertionTime");
        try {
            return value == null || value.isBlank() ? null : java.time.OffsetDateTime.parse(value.trim()).toInstant();
        } catch (java.time.format.DateTimeParseException e) {
            return null;
        }
    }

    static String unwrap(String text) {
        String trimmed = text.trim();
        if (trimmed.length() >= 2 && trimmed.startsWith("\"") && trimmed.endsWith("\"")) {
            try {
                JsonNode inner = MAPPER.readTree(trimmed);
                if (inner.isTextual()) {
                    return inner.asText();
                }
            } catch (IOException e) {
                return text;
            }
        }
        return text;
    }
}
