package io.graphmailer.domain;

import java.io.ByteArrayOutputStream;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Locale;

/**
 * The blob locations attachments may be read from: URL prefixes of configured storage containers. graph-mailer reads
 * them with its own identity, so any other URL (another account, another container, a host on the internal network) is
 * refused before anything is fetched: no server-side request forgery through a request or a queue message.
 * <p>
 * A location is checked on its decoded path, segment by segment, and then re-encoded; the re-encoded form
 * ({@link #canonical}) is the only one handed to the blob client, so what was checked is what is fetched.
 */
public final class BlobAllowlist {
    public static final BlobAllowlist NONE = new BlobAllowlist(List.of());

    private final List<String> prefixes;

    public BlobAllowlist(List<String> prefixes) {
        this.prefixes = prefixes.stream().map(String::trim).filter(p -> !p.isEmpty())
                .map(p -> p.endsWith("/") ? p.substring(0, p.length() - 1) : p)
                .map(p -> {
                    Checked c = check(p);
                    return (c.why == null ? c.canonical.toString() : lowerSchemeAndHost(p)) + "/";
                }).toList();
    }

    public boolean isEmpty() {
        return prefixes.isEmpty();
    }

    public List<String> prefixes() {
        return prefixes;
    }

    /**
     * Null when {@code location} is an allowed blob URL, else why not. Allowed: an absolute http(s) URL without user
     * info, query or fragment, whose path decodes (strict UTF-8) into non-empty segments that are not {@code .} or
     * {@code ..}, with no percent-encoded dot, slash or backslash, and whose re-encoded form starts with one of the
     * prefixes and names a blob below it.
     */
    public String whyNot(String location) {
        if (prefixes.isEmpty()) {
            return "attachments by reference are not enabled here (GRAPH_MAILER_ATTACHMENTS_ALLOWED_BLOB_PREFIXES is empty)";
        }
        Checked c = check(location);
        if (c.why != null) {
            return c.why;
        }
        String candidate = c.canonical.toString();
        for (String prefix : prefixes) {
            if (candidate.startsWith(prefix) && candidate.length() > prefix.length()) {
                return null;
            }
        }
        return "is not in an allowed storage container (allowed: " + String.join(", ", prefixes) + ")";
    }

    public boolean allows(String location) {
        return whyNot(location) == null;
    }

    /** The checked, re-encoded form of an allowed location; {@link IllegalArgumentException} when it is not allowed. */
    public URI canonical(String location) {
        String why = whyNot(location);
        if (why != null) {
            throw new IllegalArgumentException("contentLocation " + why);
        }
        return check(location).canonical;
    }

    private record Checked(URI canonical, String why) {
        static Checked no(String why) {
            return new Checked(null, why);
        }
    }

    private static Checked check(String location) {
        if (location == null) {
            return Checked.no("is not a valid URL");
        }
        for (int i = 0; i < location.length(); i++) {
            char ch = location.charAt(i);
            if (ch <= 0x20 || ch >= 0x7f || ch == '\\') {
                return Checked.no("must be a plain URL: no spaces, control characters, backslashes or unencoded non-ASCII characters");
            }
        }
        URI uri;
        try {
            uri = new URI(location);
        } catch (Exception e) {
            return Checked.no("is not a valid URL");
        }
        String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
        if (!uri.isAbsolute() || !(scheme.equals("https") || scheme.equals("http")) || uri.getHost() == null) {
            return Checked.no("must be an absolute https URL of a blob");
        }
        if (uri.getRawUserInfo() != null || uri.getRawQuery() != null || uri.getRawFragment() != null) {
            return Checked.no("must be a plain blob URL without user info, query (no SAS token: graph-mailer reads with its managed identity) or fragment");
        }
        String raw = uri.getRawPath();
        if (raw == null || !raw.startsWith("/") || raw.length() < 2) {
            return Checked.no("must name a container and a blob");
        }
        StringBuilder path = new StringBuilder();
        for (String segment : raw.substring(1).split("/", -1)) {
            String lower = segment.toLowerCase(Locale.ROOT);
            if (lower.contains("%2e") || lower.contains("%2f") || lower.contains("%5c")) {
                return Checked.no("must not percent-encode dots, slashes or backslashes (%2e, %2f, %5c)");
            }
            String decoded = decode(segment);
            if (decoded == null) {
                return Checked.no("has a malformed percent-encoding or bytes that are not UTF-8");
            }
            if (decoded.isEmpty() || decoded.equals(".") || decoded.equals("..")) {
                return Checked.no("must be a normalised blob URL (no '.', '..' or empty segments)");
            }
            if (decoded.chars().anyMatch(ch -> ch < 0x20 || ch == 0x7f || ch == '\\')) {
                return Checked.no("must not contain control characters or backslashes, encoded or not");
            }
            path.append('/').append(encode(decoded));
        }
        int port = uri.getPort();
        boolean defaultPort = port == -1 || (scheme.equals("https") && port == 443) || (scheme.equals("http") && port == 80);
        String host = uri.getHost().toLowerCase(Locale.ROOT);
        return new Checked(URI.create(scheme + "://" + host + (defaultPort ? "" : ":" + port) + path), null);
    }

    /** Strict percent-decoding into UTF-8; null on a malformed escape or invalid UTF-8 (no overlong forms). */
    private static String decode(String segment) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(segment.length());
        for (int i = 0; i < segment.length(); i++) {
            char ch = segment.charAt(i);
            if (ch == '%') {
                if (i + 2 >= segment.length()) {
                    return null;
                }
                int hi = Character.digit(segment.charAt(i + 1), 16);
                int lo = Character.digit(segment.charAt(i + 2), 16);
                if (hi < 0 || lo < 0) {
                    return null;
                }
                bytes.write(hi * 16 + lo);
                i += 2;
            } else {
                bytes.write(ch);
            }
        }
        try {
            return StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(bytes.toByteArray())).toString();
        } catch (CharacterCodingException e) {
            return null;
        }
    }

    /** Percent-encodes everything but RFC 3986 unreserved characters. */
    private static String encode(String segment) {
        StringBuilder sb = new StringBuilder();
        for (byte b : segment.getBytes(StandardCharsets.UTF_8)) {
            int c = b & 0xff;
            if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_' || c == '~') {
                sb.append((char) c);
            } else {
                sb.append('%').append(Character.toUpperCase(Character.forDigit(c >> 4, 16)))
                        .append(Character.toUpperCase(Character.forDigit(c & 15, 16)));
            }
        }
        return sb.toString();
    }

    /** Scheme and host compare case-insensitively; the path (container and blob names) does not. */
    private static String lowerSchemeAndHost(String url) {
        int start = url.indexOf("://");
        if (start < 0) {
            return url;
        }
        int end = url.indexOf('/', start + 3);
        return end < 0 ? url.toLowerCase(Locale.ROOT) : url.substring(0, end).toLowerCase(Locale.ROOT) + url.substring(end);
    }
}
