package io.graphmailer.domain;

import java.net.URI;
import java.util.List;
import java.util.Locale;

/**
 * The blob locations attachments may be read from: URL prefixes of configured storage containers. graph-mailer reads
 * them with its own identity, so any other URL (another account, another container, a host on the internal network) is
 * refused before anything is fetched: no server-side request forgery through a request or a queue message.
 */
public final class BlobAllowlist {
    public static final BlobAllowlist NONE = new BlobAllowlist(List.of());

    private final List<String> prefixes;

    public BlobAllowlist(List<String> prefixes) {
        this.prefixes = prefixes.stream().map(String::trim).filter(p -> !p.isEmpty())
                .map(p -> p.endsWith("/") ? p : p + "/").map(BlobAllowlist::lowerSchemeAndHost).toList();
    }

    public boolean isEmpty() {
        return prefixes.isEmpty();
    }

    public List<String> prefixes() {
        return prefixes;
    }

    /**
     * Null when {@code location} is an allowed blob URL, else why not. Allowed: an absolute http(s) URL without user
     * info, query or fragment, already normalised (no {@code .} or {@code ..} segments, no encoded slashes), that starts
     * with one of the prefixes and names a blob below it.
     */
    public String whyNot(String location) {
        if (prefixes.isEmpty()) {
            return "attachments by reference are not enabled here (GRAPH_MAILER_ATTACHMENTS_ALLOWED_BLOB_PREFIXES is empty)";
        }
        URI uri;
        try {
            uri = new URI(location);
        } catch (Exception e) {
            return "is not a valid URL";
        }
        String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
        if (!uri.isAbsolute() || !(scheme.equals("https") || scheme.equals("http")) || uri.getHost() == null) {
            return "must be an absolute https URL of a blob";
        }
        if (uri.getRawUserInfo() != null || uri.getRawQuery() != null || uri.getRawFragment() != null) {
            return "must be a plain blob URL without user info, query (no SAS token: graph-mailer reads with its managed identity) or fragment";
        }
        String raw = uri.getRawPath();
        if (raw == null || !uri.normalize().getRawPath().equals(raw) || raw.contains("//")
                || raw.toLowerCase(Locale.ROOT).contains("%2f") || raw.toLowerCase(Locale.ROOT).contains("%5c") || raw.contains("\\")) {
            return "must be a normalised blob URL (no '.', '..' or empty segments, no encoded slashes)";
        }
        String candidate = lowerSchemeAndHost(location);
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
