package io.graphmailer.standin;

import java.io.IOException;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Stand-in for an RBAC Key Vault's secrets data plane at {@code https://graph-mailer-test.vault.localhost:<port>}.
 *
 * <ul>
 *   <li>{@code GET /secrets/{name}[/]}, {@code GET /secrets/{name}/{version}}, {@code GET /secrets/{name}/versions}
 *       ({@code api-version} required)</li>
 *   <li>Challenge flow: a request without {@code Authorization} gets 401 with
 *       {@code WWW-Authenticate: Bearer authorization="https://login.localhost:<port>/{tenant}",
 *       resource="https://vault.localhost"} (the SDK requires the vault host to end with ".vault.localhost")</li>
 *   <li>Bearer verified: identity stand-in signature, {@code aud} (the challenge resource or
 *       {@code https://vault.azure.net}), issuer, time; the caller's {@code oid} needs the
 *       "Key Vault Secrets User" grant, else 403 {@code ForbiddenByRbac}</li>
 *   <li>{@link #challengeResource(String)}: the challenge names another resource (as a vault does when the URL used
 *       to reach it is not under its own resource, e.g. a custom DNS name in front of it); a token for the old
 *       resource then gets 401 with that challenge, like any token whose audience is not the vault's</li>
 * </ul>
 */
public final class KeyVaultStandin extends StandinServer {

    public static final String VAULT_NAME = "graph-mailer-test";
    public static final String HOST = VAULT_NAME + ".vault.localhost";
    /** The challenge's {@code resource}: the vault host ends with "." + its host, as the SDK (4.5+) demands. */
    public static final String CHALLENGE_RESOURCE = "https://vault.localhost";
    public static final String REGION = "westeurope";

    public enum CertificateFormat {
        PKCS12(StandinPki.ClientCertificate.PKCS12_CONTENT_TYPE),
        PEM(StandinPki.ClientCertificate.PEM_CONTENT_TYPE);

        private final String contentType;

        CertificateFormat(String contentType) {
            this.contentType = contentType;
        }

        public String contentType() {
            return contentType;
        }
    }

    /** One stored secret version. Times are epoch seconds; {@code nbf}/{@code exp} only for certificates. */
    record SecretVersion(String name, String version, String value, String contentType, boolean managed,
                         Long notBefore, Long expires, long created) {
    }

    private final IdentityPlatformStandin identity;
    private final String tenantId;
    private final AccessTokenVerifier verifier;
    private final Map<String, List<SecretVersion>> secrets = new ConcurrentHashMap<>();
    private final Set<String> secretsUsers = ConcurrentHashMap.newKeySet();
    private final AtomicInteger requests = new AtomicInteger();
    private final AtomicInteger challenges = new AtomicInteger();
    private final Map<String, AtomicInteger> secretReads = new ConcurrentHashMap<>();
    private volatile String challengeResource = CHALLENGE_RESOURCE;

    public KeyVaultStandin(IdentityPlatformStandin identity, String tenantId) {
        this(identity, tenantId, 0);
    }

    public KeyVaultStandin(IdentityPlatformStandin identity, String tenantId, int port) {
        super("key-vault", HOST, port, true);
        this.identity = identity;
        this.tenantId = tenantId;
        identity.registerResource(CHALLENGE_RESOURCE, IdentityPlatformStandin.VAULT_APP_ID);
        this.verifier = new AccessTokenVerifier(identity, Set.of(CHALLENGE_RESOURCE, CHALLENGE_RESOURCE + "/",
                IdentityPlatformStandin.VAULT_RESOURCE, IdentityPlatformStandin.VAULT_RESOURCE + "/"), Duration.ZERO);
        route("GET", "/secrets/([^/]+)/versions", this::listVersions);
        route("GET", "/secrets/([^/]+)/?", this::getLatest);
        route("GET", "/secrets/([^/]+)/([^/]+)", this::getVersion);
        route("GET", "/keys/([^/]+)/?", r -> getKey(r, r.pathGroup(1), null));
        route("GET", "/keys/([^/]+)/([^/]+)", r -> getKey(r, r.pathGroup(1), r.pathGroup(2)));
        route("POST", "/keys/([^/]+)/(wrapkey|unwrapkey)", r -> keyOperation(r, r.pathGroup(1), null, r.pathGroup(2)));
        route("POST", "/keys/([^/]+)/([^/]*)/(wrapkey|unwrapkey)", r -> keyOperation(r, r.pathGroup(1), r.pathGroup(2), r.pathGroup(3)));
    }

    // ---------------------------------------------------------------- keys (wrapKey / unwrapKey, RSA-OAEP-256)

    private record KeyVersion(String name, String version, java.security.KeyPair pair) {
    }

    private final Map<String, List<KeyVersion>> keys = new ConcurrentHashMap<>();
    private final Set<String> cryptoUsers = ConcurrentHashMap.newKeySet();
    private final AtomicInteger unwraps = new AtomicInteger();

    /** Creates an RSA 2048 key (a new version when the name exists); returns the version. */
    public String createKey(String name) {
        try {
            java.security.KeyPairGenerator g = java.security.KeyPairGenerator.getInstance("RSA");
            g.initialize(2048);
            String version = UUID.randomUUID().toString().replace("-", "");
            keys.computeIfAbsent(name, k -> new CopyOnWriteArrayList<>()).add(new KeyVersion(name, version, g.generateKeyPair()));
            return version;
        } catch (java.security.GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Role assignment "Key Vault Crypto Service Encryption User" (get, wrapKey, unwrapKey on keys) for this principal. */
    public void grantCryptoUser(String objectId) {
        cryptoUsers.add(objectId);
    }

    public int unwraps() {
        return unwraps.get();
    }

    private KeyVersion key(String name, String version) {
        List<KeyVersion> versions = keys.getOrDefault(name, List.of());
        if (versions.isEmpty()) {
            return null;
        }
        return version == null || version.isEmpty() ? versions.get(versions.size() - 1)
                : versions.stream().filter(v -> v.version().equals(version)).findFirst().orElse(null);
    }

    private String kid(KeyVersion k) {
        return vaultUrl() + "/keys/" + k.name() + "/" + k.version();
    }

    private void getKey(Request request, String name, String version) throws IOException {
        if (!authorized(request, "keys/" + name, "keys/read", cryptoUsers)) {
            return;
        }
        KeyVersion k = key(name, version);
        if (k == null) {
            keyNotFound(request, name);
            return;
        }
        java.security.interfaces.RSAPublicKey pub = (java.security.interfaces.RSAPublicKey) k.pair().getPublic();
        Map<String, Object> jwk = new LinkedHashMap<>();
        jwk.put("kid", kid(k));
        jwk.put("kty", "RSA");
        jwk.put("key_ops", List.of("wrapKey", "unwrapKey"));
        jwk.put("n", b64url(unsigned(pub.getModulus())));
        jwk.put("e", b64url(unsigned(pub.getPublicExponent())));
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("key", jwk);
        body.put("attributes", Map.of("enabled", true, "created", Instant.now().getEpochSecond(), "updated", Instant.now().getEpochSecond(),
                "recoveryLevel", "Recoverable+Purgeable", "recoverableDays", 90));
        request.sendJson(200, body, responseHeaders(request));
    }

    private void keyOperation(Request request, String name, String version, String operation) throws IOException {
        boolean wrap = "wrapkey".equals(operation);
        if (!authorized(request, "keys/" + name, wrap ? "keys/wrap/action" : "keys/unwrap/action", cryptoUsers)) {
            return;
        }
        KeyVersion k = key(name, version);
        if (k == null) {
            keyNotFound(request, name);
            return;
        }
        Map<String, Object> in = Jwts.parseJsonObject(new String(request.body(), java.nio.charset.StandardCharsets.UTF_8));
        if (!"RSA-OAEP-256".equals(in.get("alg")) || !(in.get("value") instanceof String value)) {
            request.sendJson(400, Map.of("error", Map.of("code", "BadParameter", "message", "alg must be RSA-OAEP-256 and value base64url")),
                    responseHeaders(request));
            return;
        }
        try {
            javax.crypto.Cipher cipher = javax.crypto.Cipher.getInstance("RSA/ECB/OAEPPadding");
            javax.crypto.spec.OAEPParameterSpec spec = new javax.crypto.spec.OAEPParameterSpec("SHA-256", "MGF1",
                    java.security.spec.MGF1ParameterSpec.SHA256, javax.crypto.spec.PSource.PSpecified.DEFAULT);
            cipher.init(wrap ? javax.crypto.Cipher.ENCRYPT_MODE : javax.crypto.Cipher.DECRYPT_MODE,
                    wrap ? k.pair().getPublic() : k.pair().getPrivate(), spec);
            byte[] out = cipher.doFinal(java.util.Base64.getUrlDecoder().decode(value));
            if (!wrap) {
                unwraps.incrementAndGet();
            }
            request.sendJson(200, Map.of("kid", kid(k), "value", b64url(out)), responseHeaders(request));
        } catch (java.security.GeneralSecurityException | IllegalArgumentException e) {
            request.sendJson(400, Map.of("error", Map.of("code", "BadParameter", "message", "The parameter is incorrect: " + e.getClass().getSimpleName())),
                    responseHeaders(request));
        }
    }

    private void keyNotFound(Request request, String name) throws IOException {
        request.sendJson(404, Map.of("error", Map.of("code", "KeyNotFound", "message", "A key with (name/id) " + name
                + " was not found in this key vault.")), responseHeaders(request));
    }

    private static byte[] unsigned(java.math.BigInteger i) {
        byte[] b = i.toByteArray();
        return b.length > 1 && b[0] == 0 ? java.util.Arrays.copyOfRange(b, 1, b.length) : b;
    }

    private static String b64url(byte[] b) {
        return java.util.Base64.getUrlEncoder().withoutPadding().encodeToString(b);
    }

    /** {@code https://graph-mailer-test.vault.localhost:<port>}: the vault URL for {@code SecretClientBuilder}. */
    public String vaultUrl() {
        return baseUrl();
    }

    // ---------------------------------------------------------------- configuration API

    /**
     * Stores a certificate with its exportable private key as the certificate's secret, creating a new version
     * (a rotation when the name exists). Returns the new version id.
     */
    public String putCertificate(String name, X509Certificate certificate, PrivateKey privateKey,
                                 CertificateFormat format) {
        StandinPki.ClientCertificate both = new StandinPki.ClientCertificate(certificate, privateKey);
        String value = format == CertificateFormat.PKCS12 ? both.pkcs12Base64() : both.pem();
        return store(name, value, format.contentType(), true, certificate.getNotBefore().toInstant().getEpochSecond(),
                certificate.getNotAfter().toInstant().getEpochSecond());
    }

    public String putCertificate(String name, StandinPki.ClientCertificate certificate, CertificateFormat format) {
        return putCertificate(name, certificate.certificate(), certificate.privateKey(), format);
    }

    /** Stores a plain secret (no {@code managed}, no {@code kid}, no content type). Returns the version id. */
    public String putSecret(String name, String value) {
        return store(name, value, null, false, null, null);
    }

    /** Role assignment "Key Vault Secrets User" on the vault for this principal object id. */
    public void grantSecretsUser(String objectId) {
        secretsUsers.add(objectId);
    }

    /** Removes the principal's role assignment: its reads get 403 {@code ForbiddenByRbac}. */
    public void revokeAccess(String objectId) {
        secretsUsers.remove(objectId);
    }

    /**
     * The {@code resource} the challenge names from now on (until {@link #reset()}); only tokens for it are accepted.
     * With a resource the vault host does not end with, the Key Vault SDK (4.5+) refuses to authenticate.
     */
    public void challengeResource(String resource) {
        this.challengeResource = resource;
    }

    public void reset() {
        challengeResource = CHALLENGE_RESOURCE;
        secrets.clear();
        secretsUsers.clear();
        keys.clear();
        cryptoUsers.clear();
        unwraps.set(0);
        requests.set(0);
        challenges.set(0);
        secretReads.clear();
        clearUnmatched();
    }

    // ---------------------------------------------------------------- observation API

    public int requests() {
        return requests.get();
    }

    /** 401 challenges sent (requests without a bearer token). */
    public int challenges() {
        return challenges.get();
    }

    /** Successful reads of the secret's value (latest or a version). */
    public int secretReads(String name) {
        AtomicInteger count = secretReads.get(name);
        return count == null ? 0 : count.get();
    }

    public List<String> versions(String name) {
        return secrets.getOrDefault(name, List.of()).stream().map(SecretVersion::version).toList();
    }

    // ---------------------------------------------------------------- endpoints

    private String store(String name, String value, String contentType, boolean managed, Long nbf, Long exp) {
        String version = UUID.randomUUID().toString().replace("-", "");
        secrets.computeIfAbsent(name, k -> new CopyOnWriteArrayList<>())
                .add(new SecretVersion(name, version, value, contentType, managed, nbf, exp,
                        Instant.now().getEpochSecond()));
        return version;
    }

    private void getLatest(Request request) throws IOException {
        String name = request.pathGroup(1);
        if (!authorized(request, name, "getSecret")) {
            return;
        }
        List<SecretVersion> versions = secrets.get(name);
        if (versions == null || versions.isEmpty()) {
            notFound(request, name);
            return;
        }
        sendSecret(request, versions.get(versions.size() - 1));
    }

    private void getVersion(Request request) throws IOException {
        String name = request.pathGroup(1);
        String version = request.pathGroup(2);
        if (!authorized(request, name, "getSecret")) {
            return;
        }
        SecretVersion found = secrets.getOrDefault(name, List.of()).stream()
                .filter(v -> v.version().equals(version)).findFirst().orElse(null);
        if (found == null) {
            notFound(request, name + "/" + version);
            return;
        }
        sendSecret(request, found);
    }

    private void listVersions(Request request) throws IOException {
        String name = request.pathGroup(1);
        if (!authorized(request, name, "readMetadata")) {
            return;
        }
        List<SecretVersion> versions = secrets.getOrDefault(name, List.of());
        int skip = parseInt(request.query("$skiptoken"), 0);
        int max = Math.max(1, Math.min(25, parseInt(request.query("maxresults"), 25)));
        List<Map<String, Object>> items = new ArrayList<>();
        for (int i = skip; i < versions.size() && items.size() < max; i++) {
            Map<String, Object> item = secretJson(versions.get(i));
            item.remove("value");
            item.remove("kid");
            item.put("tags", Map.of());
            items.add(item);
        }
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("value", items);
        int next = skip + items.size();
        body.put("nextLink", next < versions.size()
                ? vaultUrl() + "/secrets/" + name + "/versions?api-version=" + request.query("api-version")
                        + "&$skiptoken=" + next + "&maxresults=" + max
                : null);
        request.sendJson(200, body, responseHeaders(request));
    }

    private static int parseInt(String value, int fallback) {
        try {
            return value == null ? fallback : Integer.parseInt(value);
        } catch (NumberFormatException e) {
            return fallback;
        }
    }

    private void sendSecret(Request request, SecretVersion version) throws IOException {
        secretReads.computeIfAbsent(version.name(), k -> new AtomicInteger()).incrementAndGet();
        request.sendJson(200, secretJson(version), responseHeaders(request));
    }

    private Map<String, Object> secretJson(SecretVersion version) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("value", version.value());
        if (version.contentType() != null) {
            body.put("contentType", version.contentType());
        }
        body.put("id", vaultUrl() + "/secrets/" + version.name() + "/" + version.version());
        if (version.managed()) {
            body.put("managed", true);
        }
        Map<String, Object> attributes = new LinkedHashMap<>();
        attributes.put("enabled", true);
        if (version.notBefore() != null) {
            attributes.put("nbf", version.notBefore());
        }
        if (version.expires() != null) {
            attributes.put("exp", version.expires());
        }
        attributes.put("created", version.created());
        attributes.put("updated", version.created());
        attributes.put("recoveryLevel", "Recoverable+Purgeable");
        attributes.put("recoverableDays", 90);
        body.put("attributes", attributes);
        if (version.managed()) {
            body.put("kid", vaultUrl() + "/keys/" + version.name() + "/" + version.version());
        }
        return body;
    }

    /** Challenge, token checks, api-version and RBAC; answers the request itself when it returns false. */
    private boolean authorized(Request request, String secretName, String action) throws IOException {
        return authorized(request, "secrets/" + secretName, "secrets/" + action, secretsUsers);
    }

    private boolean authorized(Request request, String resourcePath, String action, Set<String> users) throws IOException {
        requests.incrementAndGet();
        String authorization = request.header("Authorization");
        AccessTokenVerifier.Result result = verifier.verify(authorization);
        String resource = challengeResource;
        if (result.ok() && !resource.equals(CHALLENGE_RESOURCE)
                && !Set.of(resource, resource + "/").contains(result.claim("aud"))) {
            result = new AccessTokenVerifier.Result(AccessTokenVerifier.Failure.BAD_AUDIENCE, result.claims());
        }
        if (!result.ok()) {
            if (result.failure() == AccessTokenVerifier.Failure.MISSING) {
                challenges.incrementAndGet();
            }
            unauthorized(request, switch (result.failure()) {
                case MISSING -> "AKV10000: Request is missing a Bearer or PoP token.";
                case BAD_AUDIENCE -> "AKV10022: Invalid audience. Expected " + resource + ", found: "
                        + result.claim("aud") + ".";
                case BAD_ISSUER -> "AKV10032: Invalid issuer. Expected one of https://sts.windows.net/" + tenantId
                        + "/, found: " + result.claim("iss") + ".";
                case EXPIRED_OR_NOT_YET_VALID -> "Token validation failed: the token has expired or is not yet valid.";
                case MALFORMED, BAD_SIGNATURE -> "Token validation failed: the token is malformed or its signature"
                        + " does not verify.";
            });
            return false;
        }
        if (request.query("api-version") == null || request.query("api-version").isBlank()) {
            request.sendJson(400, Map.of("error", Map.of("code", "BadParameter",
                    "message", "The request URI contains an invalid or missing api-version parameter.")),
                    responseHeaders(request));
            return false;
        }
        String oid = result.claim("oid");
        if (oid == null || !users.contains(oid)) {
            String caller = "appid=" + result.claim("appid") + ";oid=" + oid + ";iss=" + result.claim("iss");
            String message = "Caller is not authorized to perform action on resource.\r\n"
                    + "If role assignments, deny assignments or role definitions were changed recently, please observe"
                    + " propagation time.\r\n"
                    + "Caller: " + caller + "\r\n"
                    + "Action: 'Microsoft.KeyVault/vaults/" + action + (action.endsWith("/action") ? "" : "/action") + "'\r\n"
                    + "Resource: '/subscriptions/00000000-0000-0000-0000-000000000000/resourcegroups/graph-mailer"
                    + "/providers/microsoft.keyvault/vaults/" + VAULT_NAME + "/" + resourcePath + "'\r\n"
                    + "Assignment: (not found)\r\n"
                    + "DenyAssignmentId: null\r\n"
                    + "DecisionReason: 'DeniedWithNoValidRBAC' \r\n"
                    + "Vault: " + VAULT_NAME + ";location=" + REGION + "\r\n";
            request.sendJson(403, Map.of("error", Map.of("code", "Forbidden", "message", message,
                    "innererror", Map.of("code", "ForbiddenByRbac"))), responseHeaders(request));
            return false;
        }
        return true;
    }

    private void unauthorized(Request request, String message) throws IOException {
        Map<String, String> headers = responseHeaders(request);
        headers.put("WWW-Authenticate", "Bearer authorization=\"" + identity.authority(tenantId)
                + "\", resource=\"" + challengeResource + "\"");
        request.sendJson(401, Map.of("error", Map.of("code", "Unauthorized", "message", message)), headers);
    }

    private void notFound(Request request, String nameOrId) throws IOException {
        request.sendJson(404, Map.of("error", Map.of("code", "SecretNotFound", "message",
                "A secret with (name/id) " + nameOrId + " was not found in this key vault. If you recently deleted"
                        + " this secret you may be able to recover it using the correct recovery command. For help"
                        + " resolving this issue, please see https://go.microsoft.com/fwlink/?linkid=2125182")),
                responseHeaders(request));
    }

    @Override
    void unmatched(Request request) throws IOException {
        requests.incrementAndGet();
        request.sendJson(404, Map.of("error", Map.of("code", "NotFound", "message",
                "The stand-in vault has no " + request.method() + " " + request.path())), responseHeaders(request));
    }

    private static Map<String, String> responseHeaders(Request request) {
        Map<String, String> headers = new LinkedHashMap<>();
        headers.put("Cache-Control", "no-cache");
        headers.put("Pragma", "no-cache");
        headers.put("Expires", "-1");
        headers.put("x-ms-request-id", UUID.randomUUID().toString());
        headers.put("x-ms-keyvault-region", REGION);
        headers.put("x-ms-keyvault-service-version", "1.9.0.0");
        String clientRequestId = request.header("x-ms-client-request-id");
        if (clientRequestId != null) {
            headers.put("x-ms-client-request-id", clientRequestId);
        }
        return headers;
    }
}
