package io.graphmailer.standin;

import java.io.IOException;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Pattern;

/**
 * Stand-in for the App Service / Functions managed-identity endpoint (protocol 2019-08-01), plain HTTP on
 * 127.0.0.1: {@code GET {IDENTITY_ENDPOINT}?resource=...&api-version=2019-08-01} with {@code X-IDENTITY-HEADER}.
 * Tokens are signed by the identity stand-in, {@code aud} = the requested resource, {@code oid} = the identity's
 * object id. MSAL4J and azure-identity read {@code IDENTITY_ENDPOINT}/{@code IDENTITY_HEADER} from the process
 * environment, so {@link #fromEnvironment} binds to the port and path given there.
 */
public final class ManagedIdentityStandin extends StandinServer {

    public static final String DEFAULT_PATH = "/msi/token";
    public static final String API_VERSION = "2019-08-01";
    public static final Duration DEFAULT_TOKEN_LIFETIME = Duration.ofHours(24);

    /** A system- or user-assigned identity: its client (app) id and object (principal) id. */
    public record Identity(String clientId, String objectId, String resourceId) {
    }

    private final IdentityPlatformStandin identity;
    private final String tenantId;
    private final String path;
    private final String identityHeader;
    private volatile Identity systemAssigned;
    private final Map<String, Identity> userAssigned = new ConcurrentHashMap<>();
    private final Map<String, AtomicInteger> requestsByResource = new ConcurrentHashMap<>();
    private final AtomicInteger requests = new AtomicInteger();
    private volatile Duration tokenLifetime = DEFAULT_TOKEN_LIFETIME;

    public ManagedIdentityStandin(IdentityPlatformStandin identity, String tenantId, Identity systemAssigned,
                                  int port, String path, String identityHeader) {
        super("managed-identity", "127.0.0.1", port, false);
        this.identity = identity;
        this.tenantId = tenantId;
        this.systemAssigned = systemAssigned;
        this.path = path;
        this.identityHeader = identityHeader;
        route("GET", Pattern.quote(path), this::token);
    }

    /**
     * Uses {@code IDENTITY_ENDPOINT} (port and path; must point at 127.0.0.1 or localhost) and
     * {@code IDENTITY_HEADER} from the real environment when set, else an ephemeral port and a random header.
     */
    public static ManagedIdentityStandin fromEnvironment(IdentityPlatformStandin identity, String tenantId,
                                                         Identity systemAssigned) {
        String endpoint = System.getenv("IDENTITY_ENDPOINT");
        String header = System.getenv("IDENTITY_HEADER");
        int port = 0;
        String path = DEFAULT_PATH;
        if (endpoint != null && !endpoint.isBlank()) {
            URI uri = URI.create(endpoint);
            if (!"127.0.0.1".equals(uri.getHost()) && !"localhost".equals(uri.getHost())) {
                throw new IllegalStateException("IDENTITY_ENDPOINT must point at 127.0.0.1 for the stand-in: " + endpoint);
            }
            port = uri.getPort();
            path = uri.getPath() == null || uri.getPath().isEmpty() ? "/" : uri.getPath();
        }
        if (header == null || header.isBlank()) {
            header = UUID.randomUUID().toString();
        }
        return new ManagedIdentityStandin(identity, tenantId, systemAssigned, port, path, header);
    }

    /** The value for {@code IDENTITY_ENDPOINT}. */
    public String endpoint() {
        return baseUrl() + path;
    }

    /** The value for {@code IDENTITY_HEADER}. */
    public String identityHeader() {
        return identityHeader;
    }

    public Identity systemAssigned() {
        return systemAssigned;
    }

    public void addUserAssignedIdentity(Identity userAssignedIdentity) {
        userAssigned.put(userAssignedIdentity.clientId(), userAssignedIdentity);
    }

    public void tokenLifetime(Duration lifetime) {
        this.tokenLifetime = lifetime;
    }

    public int requests() {
        return requests.get();
    }

    public int requests(String resource) {
        AtomicInteger count = requestsByResource.get(resource);
        return count == null ? 0 : count.get();
    }

    public void reset() {
        requests.set(0);
        requestsByResource.clear();
        userAssigned.clear();
        tokenLifetime = DEFAULT_TOKEN_LIFETIME;
        clearUnmatched();
    }

    private void token(Request request) throws IOException {
        requests.incrementAndGet();
        String resource = request.query("resource");
        if (resource != null) {
            requestsByResource.computeIfAbsent(resource, k -> new AtomicInteger()).incrementAndGet();
        }
        if (!identityHeader.equals(request.header("X-IDENTITY-HEADER"))) {
            error(request, 401, "The X-IDENTITY-HEADER header is missing or does not match.");
            return;
        }
        if (!API_VERSION.equals(request.query("api-version"))) {
            error(request, 400, "The api-version parameter is missing or not supported: use " + API_VERSION + ".");
            return;
        }
        if (resource == null || resource.isBlank()) {
            error(request, 400, "The resource parameter is missing.");
            return;
        }
        Identity selected = select(request);
        if (selected == null) {
            error(request, 400, "No managed identity found for the given client_id, principal_id or mi_res_id.");
            return;
        }
        Instant expiresOn = identity.now().plus(tokenLifetime);
        String token = identity.mintManagedIdentityToken(tenantId, selected.clientId(), selected.objectId(), resource,
                tokenLifetime);
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("access_token", token);
        body.put("expires_on", Long.toString(expiresOn.getEpochSecond()));
        body.put("resource", resource);
        body.put("token_type", "Bearer");
        body.put("client_id", selected.clientId());
        request.sendJson(200, body, Map.of());
    }

    private Identity select(Request request) {
        String clientId = request.query("client_id");
        String principalId = request.query("principal_id") != null ? request.query("principal_id")
                : request.query("object_id");
        String resourceId = request.query("mi_res_id");
        if (clientId == null && principalId == null && resourceId == null) {
            return systemAssigned;
        }
        for (Identity candidate : allIdentities()) {
            if ((clientId != null && clientId.equals(candidate.clientId()))
                    || (principalId != null && principalId.equals(candidate.objectId()))
                    || (resourceId != null && resourceId.equalsIgnoreCase(candidate.resourceId()))) {
                return candidate;
            }
        }
        return null;
    }

    private List<Identity> allIdentities() {
        return userAssigned.values().stream().toList();
    }

    private static void error(Request request, int status, String message) throws IOException {
        request.sendJson(status, Map.of("statusCode", status, "message", message, "correlationId",
                UUID.randomUUID().toString()), Map.of());
    }
}
