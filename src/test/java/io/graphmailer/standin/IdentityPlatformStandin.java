package io.graphmailer.standin;

import org.jose4j.jwk.JsonWebKey;
import org.jose4j.jwk.RsaJsonWebKey;
import org.jose4j.jws.AlgorithmIdentifiers;
import org.jose4j.jws.JsonWebSignature;
import org.jose4j.jwx.JsonWebStructure;
import org.jose4j.lang.JoseException;

import java.io.IOException;
import java.security.KeyPair;
import java.security.PublicKey;
import java.security.cert.X509Certificate;
import java.security.interfaces.RSAPublicKey;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.Base64;
import java.util.Collection;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Stand-in for the Microsoft identity platform (Entra ID v2.0 endpoints) at {@code https://login.localhost:<port>}.
 *
 * <ul>
 *   <li>{@code GET /{tenant}/v2.0/.well-known/openid-configuration}: OIDC metadata (for MSAL4J {@code oidcAuthority})</li>
 *   <li>{@code GET /{tenant}/discovery/v2.0/keys}: JWKS of the token-signing key</li>
 *   <li>{@code POST /{tenant}/oauth2/v2.0/token}: client credentials with a certificate assertion (PS256 or RS256)</li>
 * </ul>
 * It issues v1-style RS256 app tokens that the other stand-ins verify with {@link #signingKey()}.
 */
public final class IdentityPlatformStandin extends StandinServer {

    public static final String HOST = "login.localhost";
    public static final String GRAPH_RESOURCE = "https://graph.microsoft.com";
    public static final String GRAPH_APP_ID = "00000003-0000-0000-c000-000000000000";
    public static final String EXCHANGE_RESOURCE = "https://outlook.office365.com";
    public static final String EXCHANGE_APP_ID = "00000002-0000-0ff1-ce00-000000000000";
    public static final String VAULT_RESOURCE = "https://vault.azure.net";
    public static final String VAULT_APP_ID = "cfa8b339-82a2-471a-a3c9-0fc0be7a4093";
    public static final String CLIENT_ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";
    public static final Duration DEFAULT_TOKEN_LIFETIME = Duration.ofSeconds(3599);

    private static final Set<String> OIDC_SCOPES = Set.of("openid", "profile", "offline_access");
    private static final Duration ASSERTION_CLOCK_SKEW = Duration.ofMinutes(5);
    private static final DateTimeFormatter AAD_TIMESTAMP =
            DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss'Z'", Locale.ROOT).withZone(ZoneOffset.UTC);

    /** Resource URI (or resource app GUID) to resource app GUID. */
    private final Map<String, String> resources = new ConcurrentHashMap<>(Map.of(
            GRAPH_RESOURCE, GRAPH_APP_ID, GRAPH_APP_ID, GRAPH_APP_ID,
            EXCHANGE_RESOURCE, EXCHANGE_APP_ID, "https://outlook.office.com", EXCHANGE_APP_ID,
            EXCHANGE_APP_ID, EXCHANGE_APP_ID,
            VAULT_RESOURCE, VAULT_APP_ID, VAULT_APP_ID, VAULT_APP_ID));

    private final KeyPair signingKeyPair;
    private final X509Certificate signingCertificate;
    private final String keyId;

    private final Set<String> tenants = ConcurrentHashMap.newKeySet();
    private final Map<String, App> apps = new ConcurrentHashMap<>();
    private final Deque<AadError> forcedErrors = new ArrayDeque<>();
    private volatile AadError persistentError;
    private volatile Duration tokenLifetime = DEFAULT_TOKEN_LIFETIME;
    private volatile Duration clockOffset = Duration.ZERO;
    private final Map<String, AtomicInteger> tokenRequests = new ConcurrentHashMap<>();
    private final AtomicInteger totalTokenRequests = new AtomicInteger();
    private final AtomicInteger metadataRequests = new AtomicInteger();
    private final AtomicReference<ClientAssertionSeen> lastAssertion = new AtomicReference<>();
    private final DelegatedGrants delegated = new DelegatedGrants(this);

    /** Public clients, users, the device code flow and refresh tokens with rotation. */
    public DelegatedGrants delegated() {
        return delegated;
    }

    String signClaims(Map<String, Object> claims) {
        return sign(claims);
    }

    /** An app registration plus its service principal in the tenant. */
    private static final class App {
        final String tenantId;
        final String clientId;
        final String servicePrincipalOid;
        final List<X509Certificate> certificates = new CopyOnWriteArrayList<>();
        final Map<String, Set<String>> rolesByResourceAppId = new ConcurrentHashMap<>();
        volatile boolean consentMissing;

        App(String tenantId, String clientId, String servicePrincipalOid) {
            this.tenantId = tenantId;
            this.clientId = clientId;
            this.servicePrincipalOid = servicePrincipalOid;
        }
    }

    /** What the last client assertion carried (header and claims only; never the signature). */
    public record ClientAssertionSeen(String clientId, String algorithm, String thumbprintHeader,
                                      Map<String, Object> header, Map<String, Object> claims) {
    }

    private static final String SIGNING_KEY_PROPERTY = "graph-mailer.standin.identity.signing-key";

    public IdentityPlatformStandin() {
        this(0);
    }

    public IdentityPlatformStandin(int port) {
        super("identity", HOST, port, true);
        // the token-signing key has a self-signed certificate, as Entra's keys do (x5t, x5c in the JWKS)
        // One signing key per JVM, kept in JDK types in the system properties: Quarkus loads test classes
        // anew for each test app, and clients cache tokens JVM-wide (managed identity), which must stay valid.
        Object[] signing;
        synchronized (System.getProperties()) {
            signing = (Object[]) System.getProperties().get(SIGNING_KEY_PROPERTY);
            if (signing == null) {
                StandinPki.ClientCertificate created = StandinPki.newClientCertificate("graph-mailer stand-in token signing");
                signing = new Object[] {new KeyPair(created.certificate().getPublicKey(), created.privateKey()), created.certificate()};
                System.getProperties().put(SIGNING_KEY_PROPERTY, signing);
            }
        }
        this.signingKeyPair = (KeyPair) signing[0];
        this.signingCertificate = (X509Certificate) signing[1];
        this.keyId = base64Url(StandinPki.digest("SHA-1", StandinPki.der(signingCertificate)));
        route("GET", "/([^/]+)/v2\\.0/\\.well-known/openid-configuration", this::metadata);
        route("GET", "/([^/]+)/discovery/v2\\.0/keys", this::keys);
        route("GET", "/([^/]+)/discovery/keys", this::keys);
        route("POST", "/([^/]+)/oauth2/v2\\.0/token", this::token);
        route("POST", "/([^/]+)/oauth2/v2\\.0/devicecode", r -> delegated.deviceCode(r, r.pathGroup(1)));
    }

    private KeyPair keys() {
        return signingKeyPair;
    }

    // ---------------------------------------------------------------- configuration API

    public void registerTenant(String tenantId) {
        tenants.add(tenantId);
    }

    public boolean isKnownTenant(String tenantId) {
        return tenants.contains(tenantId);
    }

    /**
     * Registers an app (and its service principal) with certificate credentials and the application permissions
     * (app roles) granted per resource, e.g. {@code Map.of(GRAPH_RESOURCE, Set.of("Mail.Send"))}.
     */
    public void registerApp(String tenantId, String clientId, String servicePrincipalOid,
                            Collection<X509Certificate> certificates, Map<String, Set<String>> rolesByResource) {
        registerTenant(tenantId);
        App app = new App(tenantId, clientId, servicePrincipalOid);
        app.certificates.addAll(certificates);
        rolesByResource.forEach((resource, roles) -> app.rolesByResourceAppId.put(resourceAppId(resource),
                Set.copyOf(roles)));
        apps.put(clientId, app);
    }

    public void unregisterApp(String clientId) {
        apps.remove(clientId);
    }

    public void addCertificate(String clientId, X509Certificate certificate) {
        app(clientId).certificates.add(certificate);
    }

    /** Removes a key credential: later assertions signed with it get {@code AADSTS700027} (key not found). */
    public void unregisterCertificate(String clientId, X509Certificate certificate) {
        app(clientId).certificates.removeIf(c -> Arrays.equals(StandinPki.der(c), StandinPki.der(certificate)));
    }

    public void grantRoles(String clientId, String resource, Set<String> roles) {
        app(clientId).rolesByResourceAppId.put(resourceAppId(resource), Set.copyOf(roles));
    }

    public void revokeRoles(String clientId, String resource) {
        app(clientId).rolesByResourceAppId.remove(resourceAppId(resource));
    }

    /** Admin consent missing: tokens are still issued, but without a {@code roles} claim. */
    public void consentMissing(String clientId, boolean missing) {
        app(clientId).consentMissing = missing;
    }

    /** The next {@code times} token requests fail with {@code error} (after tenant lookup). */
    public synchronized void failNext(int times, AadError error) {
        for (int i = 0; i < times; i++) {
            forcedErrors.add(error);
        }
    }

    /** Every token request fails with {@code error} until {@link #clearFailures()}. */
    public void failAlways(AadError error) {
        persistentError = error;
    }

    public synchronized void clearFailures() {
        forcedErrors.clear();
        persistentError = null;
    }

    /** Lifetime of issued tokens (also {@code expires_in}); zero or negative issues already-expired tokens. */
    public void tokenLifetime(Duration lifetime) {
        this.tokenLifetime = lifetime;
    }

    public Duration tokenLifetime() {
        return tokenLifetime;
    }

    /** Shifts the stand-in's clock (assertion time checks and issued token times); e.g. +20 min expires assertions. */
    public void clockOffset(Duration offset) {
        this.clockOffset = offset;
    }

    /** Forgets counters, failures, clock and lifetime settings and all apps (tenants stay). */
    public synchronized void reset() {
        clearFailures();
        tokenRequests.clear();
        totalTokenRequests.set(0);
        metadataRequests.set(0);
        lastAssertion.set(null);
        tokenLifetime = DEFAULT_TOKEN_LIFETIME;
        clockOffset = Duration.ZERO;
        apps.clear();
        delegated.reset();
        clearUnmatched();
    }

    // ---------------------------------------------------------------- observation API

    /**
     * Token requests (any outcome) for this client id and scope, e.g. {@code https://graph.microsoft.com/.default}
     * (the {@code openid profile offline_access} MSAL adds are not part of the key).
     */
    public int tokenRequests(String clientId, String scope) {
        AtomicInteger count = tokenRequests.get(clientId + "|" + scope);
        return count == null ? 0 : count.get();
    }

    public int tokenRequests() {
        return totalTokenRequests.get();
    }

    public int metadataRequests() {
        return metadataRequests.get();
    }

    public ClientAssertionSeen lastAssertion() {
        return lastAssertion.get();
    }

    // ---------------------------------------------------------------- URLs and keys

    /** {@code https://login.localhost:<port>/{tenant}} (classic authority form). */
    public String authority(String tenant) {
        return baseUrl() + "/" + tenant;
    }

    /** The value for MSAL4J's {@code oidcAuthority(...)}: {@code https://login.localhost:<port>/{tenant}/v2.0/}. */
    public String oidcAuthority(String tenant) {
        return baseUrl() + "/" + tenant + "/v2.0/";
    }

    public String tokenUrl(String tenant) {
        return baseUrl() + "/" + tenant + "/oauth2/v2.0/token";
    }

    public String jwksUrl(String tenant) {
        return baseUrl() + "/" + tenant + "/discovery/v2.0/keys";
    }

    /** Public key that verifies every token this stand-in (and the managed-identity stand-in) issues. */
    public PublicKey signingKey() {
        return keys().getPublic();
    }

    public String keyId() {
        return keyId;
    }

    /** JWKS JSON of the signing key (also served at {@link #jwksUrl(String)}). */
    public String jwksJson() {
        try {
            RsaJsonWebKey jwk = new RsaJsonWebKey((RSAPublicKey) keys().getPublic());
            jwk.setKeyId(keyId);
            jwk.setUse("sig");
            jwk.setX509CertificateSha1Thumbprint(keyId);
            jwk.setCertificateChain(signingCertificate);
            return "{\"keys\":[" + jwk.toJson(JsonWebKey.OutputControlLevel.PUBLIC_ONLY) + "]}";
        } catch (RuntimeException e) {
            throw new IllegalStateException(e);
        }
    }

    // ---------------------------------------------------------------- token minting (also for tests)

    /** An app token as the token endpoint would issue it now for {@code clientId} and {@code resource}. */
    public String mintAppToken(String clientId, String resource) {
        App app = app(clientId);
        return sign(appTokenClaims(app, resource, now(), tokenLifetime));
    }

    /**
     * Signs arbitrary claims with the stand-in's key (RS256, {@code kid}, {@code x5t}). Missing {@code iat},
     * {@code nbf}, {@code exp} are filled in from now and the token lifetime: use it to craft expired,
     * wrong-audience or role-less tokens.
     */
    public String mintToken(Map<String, Object> claims) {
        Map<String, Object> all = new LinkedHashMap<>(claims);
        long now = now().getEpochSecond();
        all.putIfAbsent("iat", now);
        all.putIfAbsent("nbf", now);
        all.putIfAbsent("exp", now + tokenLifetime.toSeconds());
        return sign(all);
    }

    /** Same claims form as {@link #mintToken(Map)} but signed by a key nobody trusts. */
    public static String mintTokenWithUnknownKey(Map<String, Object> claims) {
        KeyPair foreign = StandinPki.newRsaKeyPair();
        Map<String, Object> all = new LinkedHashMap<>(claims);
        long now = Instant.now().getEpochSecond();
        all.putIfAbsent("iat", now);
        all.putIfAbsent("nbf", now);
        all.putIfAbsent("exp", now + 3600);
        return Jwts.sign(all, Map.of("kid", "unknown-key"), foreign.getPrivate(), AlgorithmIdentifiers.RSA_USING_SHA256);
    }

    /** Token for a managed identity (used by {@link ManagedIdentityStandin}). */
    String mintManagedIdentityToken(String tenantId, String clientId, String objectId, String resource,
                                    Duration lifetime) {
        Instant now = now();
        Map<String, Object> claims = new LinkedHashMap<>();
        claims.put("aud", resource);
        claims.put("iss", "https://sts.windows.net/" + tenantId + "/");
        claims.put("iat", now.getEpochSecond());
        claims.put("nbf", now.getEpochSecond());
        claims.put("exp", now.plus(lifetime).getEpochSecond());
        claims.put("aio", UUID.randomUUID().toString());
        claims.put("appid", clientId);
        claims.put("appidacr", "2");
        claims.put("idp", "https://sts.windows.net/" + tenantId + "/");
        claims.put("idtyp", "app");
        claims.put("oid", objectId);
        claims.put("sub", objectId);
        claims.put("tid", tenantId);
        claims.put("uti", UUID.randomUUID().toString());
        claims.put("ver", "1.0");
        claims.put("xms_mirid", "/subscriptions/00000000-0000-0000-0000-000000000000/resourcegroups/graph-mailer"
                + "/providers/Microsoft.Web/sites/graph-mailer-func");
        return sign(claims);
    }

    Instant now() {
        return Instant.now().plus(clockOffset);
    }

    private String sign(Map<String, Object> claims) {
        return Jwts.sign(claims, Map.of("kid", keyId, "x5t", keyId), keys().getPrivate(),
                AlgorithmIdentifiers.RSA_USING_SHA256);
    }

    private Map<String, Object> appTokenClaims(App app, String resource, Instant now, Duration lifetime) {
        Map<String, Object> claims = new LinkedHashMap<>();
        claims.put("aud", resource);
        claims.put("iss", "https://sts.windows.net/" + app.tenantId + "/");
        claims.put("iat", now.getEpochSecond());
        claims.put("nbf", now.getEpochSecond());
        claims.put("exp", now.plus(lifetime).getEpochSecond());
        claims.put("aio", UUID.randomUUID().toString());
        claims.put("app_displayname", "graph-mailer");
        claims.put("appid", app.clientId);
        claims.put("appidacr", "2");
        claims.put("idp", "https://sts.windows.net/" + app.tenantId + "/");
        claims.put("idtyp", "app");
        claims.put("oid", app.servicePrincipalOid);
        Set<String> roles = app.consentMissing ? null : app.rolesByResourceAppId.get(resourceAppId(resource));
        if (roles != null && !roles.isEmpty()) {
            claims.put("roles", List.copyOf(new LinkedHashSet<>(roles)));
        }
        claims.put("sub", app.servicePrincipalOid);
        claims.put("tid", app.tenantId);
        claims.put("uti", UUID.randomUUID().toString());
        claims.put("ver", "1.0");
        return claims;
    }

    private App app(String clientId) {
        App app = apps.get(clientId);
        if (app == null) {
            throw new IllegalArgumentException("no app registered with client id " + clientId);
        }
        return app;
    }

    private String resourceAppId(String resource) {
        String appId = resources.get(stripSlash(resource));
        if (appId == null) {
            throw new IllegalArgumentException("unknown resource " + resource);
        }
        return appId;
    }

    /** Adds a resource principal (URI or GUID form) so it can be requested and granted roles. */
    public void registerResource(String resourceUri, String resourceAppId) {
        resources.put(stripSlash(resourceUri), resourceAppId);
        resources.put(resourceAppId, resourceAppId);
    }

    private static String stripSlash(String value) {
        return value.endsWith("/") ? value.substring(0, value.length() - 1) : value;
    }

    // ---------------------------------------------------------------- endpoints

    private void metadata(Request request) throws IOException {
        metadataRequests.incrementAndGet();
        String tenant = request.pathGroup(1);
        if (!tenants.contains(tenant)) {
            sendError(request, AadError.TENANT_NOT_FOUND, null, tenant, null, null, null, "invalid_tenant");
            return;
        }
        String base = baseUrl() + "/" + tenant;
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("token_endpoint", tokenUrl(tenant));
        body.put("token_endpoint_auth_methods_supported",
                List.of("client_secret_post", "private_key_jwt", "client_secret_basic"));
        body.put("jwks_uri", jwksUrl(tenant));
        body.put("response_modes_supported", List.of("query", "fragment", "form_post"));
        body.put("subject_types_supported", List.of("pairwise"));
        body.put("id_token_signing_alg_values_supported", List.of("RS256"));
        body.put("response_types_supported", List.of("code", "id_token", "code id_token", "id_token token"));
        body.put("scopes_supported", List.of("openid", "profile", "email", "offline_access"));
        body.put("issuer", base + "/v2.0");
        body.put("request_uri_parameter_supported", false);
        body.put("authorization_endpoint", base + "/oauth2/v2.0/authorize");
        body.put("device_authorization_endpoint", base + "/oauth2/v2.0/devicecode");
        body.put("end_session_endpoint", base + "/oauth2/v2.0/logout");
        body.put("tenant_region_scope", null);
        body.put("cloud_instance_name", "localhost");
        body.put("msgraph_host", "graph.localhost");
        request.sendJson(200, body, Map.of("Cache-Control", "max-age=86400, private"));
    }

    private void keys(Request request) throws IOException {
        request.send(200, jwksJson().getBytes(java.nio.charset.StandardCharsets.UTF_8),
                Map.of("Content-Type", "application/json; charset=utf-8"));
    }

    private void token(Request request) throws IOException {
        totalTokenRequests.incrementAndGet();
        String tenant = request.pathGroup(1);
        Map<String, String> form = request.form();
        String clientId = form.get("client_id");
        String scope = form.get("scope");
        tokenRequests.computeIfAbsent(clientId + "|" + withoutOidcScopes(scope), k -> new AtomicInteger())
                .incrementAndGet();

        if (!tenants.contains(tenant)) {
            sendError(request, AadError.TENANT_NOT_FOUND, clientId, tenant, scope, null, null, null);
            return;
        }
        AadError forced = nextForcedError();
        if (forced != null) {
            String detail = forced == AadError.ASSERTION_TIME_RANGE ? timeDetail(now(), null, null)
                    : forced == AadError.MISSING_PARAMETER ? "grant_type" : "";
            sendError(request, forced, clientId, tenant, scope, null, detail, null);
            return;
        }
        String grantType = form.get("grant_type");
        if (grantType == null || grantType.isEmpty()) {
            sendError(request, AadError.MISSING_PARAMETER, clientId, tenant, scope, null, "grant_type", null);
            return;
        }
        if ("refresh_token".equals(grantType) || DelegatedGrants.isDeviceCodeGrant(grantType)) {
            delegated.token(request, tenant, form);
            return;
        }
        if (!"client_credentials".equals(grantType)) {
            sendError(request, AadError.UNSUPPORTED_GRANT_TYPE, clientId, tenant, scope, null, grantType, null);
            return;
        }
        if (clientId == null || clientId.isEmpty()) {
            sendError(request, AadError.MISSING_PARAMETER, null, tenant, scope, null, "client_id", null);
            return;
        }
        App app = apps.get(clientId);
        if (app == null || !app.tenantId.equals(tenant)) {
            sendError(request, AadError.APPLICATION_NOT_FOUND, clientId, tenant, scope, null, null, null);
            return;
        }
        String assertion = form.get("client_assertion");
        if (form.containsKey("client_secret") && assertion == null) {
            sendError(request, AadError.CLIENT_SECRET_NOT_ACCEPTED, clientId, tenant, scope, null, null, null);
            return;
        }
        if (assertion == null || assertion.isEmpty()
                || !CLIENT_ASSERTION_TYPE.equals(form.get("client_assertion_type"))) {
            sendError(request, AadError.MISSING_CLIENT_CREDENTIAL, clientId, tenant, scope, null, null, null);
            return;
        }
        AadErrorWithDetail assertionError = verifyAssertion(app, assertion, tokenUrl(tenant));
        if (assertionError != null) {
            sendError(request, assertionError.error(), clientId, tenant, scope, null, assertionError.detail(), null);
            return;
        }
        if (scope == null || scope.isEmpty()) {
            sendError(request, AadError.MISSING_PARAMETER, clientId, tenant, null, null, "scope", null);
            return;
        }
        List<String> scopes = Arrays.asList(withoutOidcScopes(scope).split(" "));
        if (scopes.size() != 1 || !scopes.get(0).endsWith("/.default")) {
            sendError(request, AadError.INVALID_SCOPE, clientId, tenant, scope, null, null, null);
            return;
        }
        String resource = scopes.get(0).substring(0, scopes.get(0).length() - "/.default".length());
        if (!resources.containsKey(stripSlash(resource))) {
            sendError(request, AadError.RESOURCE_NOT_FOUND, clientId, tenant, scope, resource, null, null);
            return;
        }
        Duration lifetime = tokenLifetime;
        String token = sign(appTokenClaims(app, resource, now(), lifetime));
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("token_type", "Bearer");
        body.put("expires_in", lifetime.toSeconds());
        body.put("ext_expires_in", lifetime.toSeconds());
        body.put("access_token", token);
        request.sendJson(200, body, tokenHeaders());
    }

    /** MSAL adds {@code openid profile offline_access}; the identity platform ignores them for client credentials. */
    private static String withoutOidcScopes(String scope) {
        if (scope == null) {
            return null;
        }
        return String.join(" ", Arrays.stream(scope.trim().split("\\s+")).filter(s -> !OIDC_SCOPES.contains(s))
                .toList());
    }

    private synchronized AadError nextForcedError() {
        AadError next = forcedErrors.poll();
        return next != null ? next : persistentError;
    }

    private record AadErrorWithDetail(AadError error, String detail) {
    }

    private AadErrorWithDetail verifyAssertion(App app, String assertion, String expectedAudience) {
        JsonWebSignature jws;
        Map<String, Object> header;
        Map<String, Object> claims;
        try {
            JsonWebStructure structure = JsonWebStructure.fromCompactSerialization(assertion);
            if (!(structure instanceof JsonWebSignature signature)) {
                return new AadErrorWithDetail(AadError.ASSERTION_MALFORMED, null);
            }
            jws = signature;
            header = Jwts.parseJsonObject(jws.getHeaders().getFullHeaderAsJsonString());
            claims = Jwts.parseJsonObject(jws.getUnverifiedPayload());
        } catch (JoseException | IllegalArgumentException e) {
            return new AadErrorWithDetail(AadError.ASSERTION_MALFORMED, null);
        }
        String alg = jws.getAlgorithmHeaderValue();
        String thumbprintHeader = header.containsKey("x5t#S256") ? "x5t#S256"
                : header.containsKey("x5t") ? "x5t" : null;
        lastAssertion.set(new ClientAssertionSeen(app.clientId, alg, thumbprintHeader, Map.copyOf(header),
                Map.copyOf(claims)));
        if (!AlgorithmIdentifiers.RSA_PSS_USING_SHA256.equals(alg)
                && !AlgorithmIdentifiers.RSA_USING_SHA256.equals(alg)) {
            return new AadErrorWithDetail(AadError.ASSERTION_MALFORMED, null);
        }
        if (thumbprintHeader == null) {
            return new AadErrorWithDetail(AadError.KEY_NOT_FOUND, "");
        }
        byte[] thumbprint;
        try {
            // base64url per RFC 7515; MSAL4J 1.26.1 sends standard base64 (with '+', '/', '='), which Entra accepts
            thumbprint = Base64.getDecoder().decode(header.get(thumbprintHeader).toString()
                    .replace('-', '+').replace('_', '/'));
        } catch (IllegalArgumentException e) {
            return new AadErrorWithDetail(AadError.ASSERTION_MALFORMED, null);
        }
        String digest = "x5t#S256".equals(thumbprintHeader) ? "SHA-256" : "SHA-1";
        String hexThumbprint = StandinPki.hex(thumbprint).toUpperCase(Locale.ROOT);
        X509Certificate key = app.certificates.stream()
                .filter(c -> Arrays.equals(StandinPki.digest(digest, StandinPki.der(c)), thumbprint))
                .findFirst().orElse(null);
        if (key == null) {
            return new AadErrorWithDetail(AadError.KEY_NOT_FOUND, hexThumbprint);
        }
        try {
            jws.setKey(key.getPublicKey());
            if (!jws.verifySignature()) {
                return new AadErrorWithDetail(AadError.SIGNATURE_INVALID, hexThumbprint);
            }
        } catch (JoseException e) {
            return new AadErrorWithDetail(AadError.SIGNATURE_INVALID, hexThumbprint);
        }
        Instant now = now();
        if (key.getNotAfter().toInstant().isBefore(now)) {
            return new AadErrorWithDetail(AadError.KEY_EXPIRED, hexThumbprint);
        }
        if (!app.clientId.equals(claims.get("iss")) || !app.clientId.equals(claims.get("sub"))) {
            return new AadErrorWithDetail(AadError.ASSERTION_SUBJECT, null);
        }
        if (!expectedAudience.equals(claims.get("aud"))) {
            return new AadErrorWithDetail(AadError.ASSERTION_AUDIENCE, null);
        }
        Long nbf = Jwts.epochSeconds(claims.get("nbf"));
        Long exp = Jwts.epochSeconds(claims.get("exp"));
        if (exp == null || !Instant.ofEpochSecond(exp).plus(ASSERTION_CLOCK_SKEW).isAfter(now)
                || (nbf != null && Instant.ofEpochSecond(nbf).minus(ASSERTION_CLOCK_SKEW).isAfter(now))) {
            return new AadErrorWithDetail(AadError.ASSERTION_TIME_RANGE, timeDetail(now, nbf, exp));
        }
        return null;
    }

    private static String timeDetail(Instant now, Long nbf, Long exp) {
        return "Current time: " + AAD_TIMESTAMP.format(now)
                + ", assertion valid from " + (nbf == null ? "" : AAD_TIMESTAMP.format(Instant.ofEpochSecond(nbf)))
                + ", expiry time of assertion " + (exp == null ? "" : AAD_TIMESTAMP.format(Instant.ofEpochSecond(exp)))
                + ".";
    }

    private static Map<String, String> tokenHeaders() {
        Map<String, String> headers = new LinkedHashMap<>();
        headers.put("Cache-Control", "no-store, no-cache");
        headers.put("Pragma", "no-cache");
        headers.put("x-ms-request-id", UUID.randomUUID().toString());
        headers.put("x-ms-ests-server", "graph-mailer-standin");
        return headers;
    }

    private void sendError(Request request, AadError error, String clientId, String tenant, String scope,
                           String resource, String detail, String errorOverride) throws IOException {
        String traceId = UUID.randomUUID().toString();
        String clientRequestId = request.header("client-request-id");
        String correlationId = clientRequestId != null ? clientRequestId : UUID.randomUUID().toString();
        String timestamp = AAD_TIMESTAMP.format(Instant.now());
        String description = error.describe(clientId, tenant, scope, resource, detail)
                + "\r\nTrace ID: " + traceId
                + "\r\nCorrelation ID: " + correlationId
                + "\r\nTimestamp: " + timestamp;
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("error", errorOverride != null ? errorOverride : error.error());
        body.put("error_description", description);
        body.put("error_codes", List.of(error.code()));
        body.put("timestamp", timestamp);
        body.put("trace_id", traceId);
        body.put("correlation_id", correlationId);
        body.put("error_uri", "https://login.microsoftonline.com/error?code=" + error.code());
        request.sendJson(error.status(), body, tokenHeaders());
    }

    static String base64Url(byte[] bytes) {
        return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    }
}
