package io.graphmailer.standin;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The identity stand-in's delegated side: public clients, users who consent to delegated scopes, the device code flow
 * ({@code POST /{tenant}/oauth2/v2.0/devicecode} and the {@code device_code} grant with {@code authorization_pending},
 * {@code slow_down}, {@code expired_token}, {@code access_denied}) and the {@code refresh_token} grant with rotation:
 * a redeemed refresh token is refused afterwards ({@code AADSTS70000 invalid_grant}), as are tokens of a user made to
 * fail with one of {@link Failure}. Tests play the user with {@link #approve} and {@link #deny}.
 */
public final class DelegatedGrants {
    public static final String DEVICE_CODE_GRANT = "urn:ietf:params:oauth:grant-type:device_code";
    private static final Set<String> OIDC = Set.of("openid", "profile", "offline_access");
    private static final SecureRandom RANDOM = new SecureRandom();

    /** Refresh failures the operator must act on, as the identity platform answers them. */
    public enum Failure {
        INACTIVE(700082, "invalid_grant", null, "The refresh token has expired due to inactivity. The token was issued on 2026-06-01T00:00:00Z and was inactive for 90.00:00:00."),
        REVOKED(50173, "invalid_grant", null, "The provided grant has expired due to it being revoked, a fresh auth token is needed. The user might have changed or reset their password."),
        MFA_REQUIRED(50076, "invalid_grant", "basic_action", "Due to a configuration change made by your administrator, or because you moved to a new location, you must use multi-factor authentication to access '{resource}'."),
        MFA_ENROLMENT(50079, "invalid_grant", "basic_action", "Due to a configuration change made by your administrator, or because you moved to a new location, you must enroll in multi-factor authentication to access '{resource}'."),
        CONDITIONAL_ACCESS(53003, "invalid_grant", "basic_action", "Access has been blocked by Conditional Access policies. The access policy does not allow token issuance."),
        CONSENT_WITHDRAWN(65001, "invalid_grant", "consent_required", "The user or administrator has not consented to use the application with ID '{clientId}' named 'graph-mailer sign-in'. Send an interactive authorization request for this user and resource."),
        INTERACTION_REQUIRED(50158, "interaction_required", null, "External security challenge not satisfied. User will be redirected to another page or authentication provider to satisfy additional authentication challenges.");

        final int code;
        final String error;
        final String suberror;
        final String text;

        Failure(int code, String error, String suberror, String text) {
            this.code = code;
            this.error = error;
            this.suberror = suberror;
            this.text = text;
        }
    }

    /** A user of the tenant: its consented delegated scopes per resource, and a failure its refresh tokens meet. */
    private static final class User {
        final String upn;
        final String oid;
        final Set<String> consented = ConcurrentHashMap.newKeySet();
        volatile Failure failure;

        User(String upn, String oid) {
            this.upn = upn;
            this.oid = oid;
        }
    }

    private record Grant(String clientId, String tenant, String userOid, Set<String> scopes) {
    }

    private static final class DeviceCode {
        final String clientId;
        final String tenant;
        final Set<String> scopes;
        final String userCode;
        final Instant expiresAt;
        volatile String approvedBy;
        volatile boolean denied;
        volatile int polls;
        volatile boolean slowDownSent;

        DeviceCode(String clientId, String tenant, Set<String> scopes, String userCode, Instant expiresAt) {
            this.clientId = clientId;
            this.tenant = tenant;
            this.scopes = scopes;
            this.userCode = userCode;
            this.expiresAt = expiresAt;
        }
    }

    private final IdentityPlatformStandin identity;
    private final Map<String, String> publicClients = new ConcurrentHashMap<>(); // client id -> tenant
    private final Map<String, User> users = new ConcurrentHashMap<>(); // lower-case upn
    private final Map<String, DeviceCode> deviceCodes = new ConcurrentHashMap<>();
    private final Map<String, Grant> refreshTokens = new ConcurrentHashMap<>();
    private final Set<String> redeemed = ConcurrentHashMap.newKeySet();
    private volatile Duration deviceCodeLifetime = Duration.ofMinutes(15);
    private volatile boolean slowDownOnce;
    private final java.util.concurrent.atomic.AtomicInteger refreshGrants = new java.util.concurrent.atomic.AtomicInteger();
    private final java.util.concurrent.atomic.AtomicInteger refusedAsRedeemed = new java.util.concurrent.atomic.AtomicInteger();

    DelegatedGrants(IdentityPlatformStandin identity) {
        this.identity = identity;
    }

    // ---------------------------------------------------------------- configuration API

    public void registerPublicClient(String tenantId, String clientId) {
        publicClients.put(clientId, tenantId);
    }

    public void registerUser(String upn, String oid, Set<String> consentedScopes) {
        User user = new User(upn, oid);
        user.consented.addAll(consentedScopes);
        users.put(upn.toLowerCase(Locale.ROOT), user);
    }

    /** From now on the user's refresh tokens are refused with {@code failure} ({@code null}: accepted again). */
    public void failRefresh(String upn, Failure failure) {
        user(upn).failure = failure;
    }

    public void deviceCodeLifetime(Duration lifetime) {
        this.deviceCodeLifetime = lifetime;
    }

    /** The next device code's first poll is answered {@code slow_down}. */
    public void slowDownOnce() {
        this.slowDownOnce = true;
    }

    /** The user (at the verification page) enters {@code userCode} and signs in as {@code upn}. */
    public boolean approve(String userCode, String upn) {
        DeviceCode code = byUserCode(userCode);
        if (code == null) {
            return false;
        }
        code.approvedBy = user(upn).upn;
        return true;
    }

    public boolean deny(String userCode) {
        DeviceCode code = byUserCode(userCode);
        if (code == null) {
            return false;
        }
        code.denied = true;
        return true;
    }

    /** The user code of the device code issued last (what the operator would read off the screen). */
    public String lastUserCode() {
        return deviceCodes.values().stream().max(java.util.Comparator.comparing(c -> c.expiresAt)).map(c -> c.userCode).orElse(null);
    }

    /** Refresh tokens still redeemable for the user (one after each rotation). */
    public int liveRefreshTokens(String upn) {
        String oid = user(upn).oid;
        return (int) refreshTokens.entrySet().stream().filter(e -> e.getValue().userOid().equals(oid) && !redeemed.contains(e.getKey())).count();
    }

    /** Refresh grants refused because the token presented had been redeemed already (a lost refresh race, or a replay). */
    public int refusedAsRedeemed() {
        return refusedAsRedeemed.get();
    }

    public int refreshGrants() {
        return refreshGrants.get();
    }

    public void reset() {
        publicClients.clear();
        users.clear();
        deviceCodes.clear();
        refreshTokens.clear();
        redeemed.clear();
        deviceCodeLifetime = Duration.ofMinutes(15);
        slowDownOnce = false;
        refreshGrants.set(0);
        refusedAsRedeemed.set(0);
    }

    private User user(String upn) {
        User user = users.get(upn.toLowerCase(Locale.ROOT));
        if (user == null) {
            throw new IllegalArgumentException("no user " + upn);
        }
        return user;
    }

    private DeviceCode byUserCode(String userCode) {
        return deviceCodes.values().stream().filter(c -> c.userCode.equals(userCode)).findFirst().orElse(null);
    }

    // ---------------------------------------------------------------- endpoints

    void deviceCode(StandinServer.Request request, String tenant) throws IOException {
        Map<String, String> form = request.form();
        String clientId = form.get("client_id");
        if (clientId == null || !tenant.equals(publicClients.get(clientId))) {
            error(request, 400, "unauthorized_client", 700016, "Application with identifier '" + clientId + "' was not found in the directory '" + tenant + "'.", null);
            return;
        }
        Set<String> scopes = scopes(form.get("scope"));
        String deviceCode = token(48);
        String userCode = token(9).toUpperCase(Locale.ROOT).replaceAll("[^A-Z0-9]", "X").substring(0, 9);
        Duration lifetime = deviceCodeLifetime;
        deviceCodes.put(deviceCode, new DeviceCode(clientId, tenant, scopes, userCode, identity.now().plus(lifetime)));
        String uri = identity.baseUrl() + "/common/oauth2/deviceauth";
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("user_code", userCode);
        body.put("device_code", deviceCode);
        body.put("verification_uri", uri);
        body.put("expires_in", lifetime.toSeconds());
        body.put("interval", 1);
        body.put("message", "To sign in, use a web browser to open the page " + uri + " and enter the code " + userCode + " to authenticate.");
        request.sendJson(200, body, Map.of("Cache-Control", "no-store, no-cache"));
    }

    /** {@code device_code} and {@code refresh_token} grants. */
    synchronized void token(StandinServer.Request request, String tenant, Map<String, String> form) throws IOException {
        String clientId = form.get("client_id");
        if (clientId == null || !tenant.equals(publicClients.get(clientId))) {
            error(request, 400, "unauthorized_client", 700016, "Application with identifier '" + clientId + "' was not found in the directory '" + tenant + "'.", null);
            return;
        }
        if (isDeviceCodeGrant(form.get("grant_type"))) {
            deviceCodeGrant(request, clientId, form);
        } else {
            refreshGrant(request, clientId, tenant, form);
        }
    }

    /** The RFC 8628 URN, or {@code device_code} as MSAL4J sends it (the identity platform takes both). */
    static boolean isDeviceCodeGrant(String grantType) {
        return DEVICE_CODE_GRANT.equals(grantType) || "device_code".equals(grantType);
    }

    private void deviceCodeGrant(StandinServer.Request request, String clientId, Map<String, String> form) throws IOException {
        String key = form.get("device_code");
        DeviceCode code = key == null ? null : deviceCodes.get(key);
        if (code == null || !code.clientId.equals(clientId)) {
            error(request, 400, "invalid_grant", 70000, "Provided grant is invalid or malformed.", null);
            return;
        }
        code.polls++;
        if (identity.now().isAfter(code.expiresAt)) {
            error(request, 400, "expired_token", 70019, "Verification code expired.", null);
            return;
        }
        if (code.denied) {
            deviceCodes.remove(key);
            error(request, 400, "access_denied", 70020, "The user declined the sign-in.", null);
            return;
        }
        if (slowDownOnce && !code.slowDownSent) {
            slowDownOnce = false;
            code.slowDownSent = true;
            error(request, 400, "slow_down", 70016, "Polling too fast; add 5 seconds to the interval.", null);
            return;
        }
        if (code.approvedBy == null) {
            error(request, 400, "authorization_pending", 70016, "OAuth 2.0 device flow error. Authorization is pending. Continue polling.", null);
            return;
        }
        User user = user(code.approvedBy);
        Set<String> missing = new LinkedHashSet<>(code.scopes);
        missing.removeAll(user.consented);
        if (!missing.isEmpty()) {
            deviceCodes.remove(key);
            error(request, 400, "invalid_grant", 65001, "The user or administrator has not consented to use the application with ID '"
                    + clientId + "' for " + String.join(" ", missing) + ".", "consent_required");
            return;
        }
        deviceCodes.remove(key);
        issue(request, clientId, code.tenant, user, code.scopes);
    }

    private void refreshGrant(StandinServer.Request request, String clientId, String tenant, Map<String, String> form) throws IOException {
        refreshGrants.incrementAndGet();
        String presented = form.get("refresh_token");
        Grant grant = presented == null ? null : refreshTokens.get(presented);
        // One-time redemption, atomically: of two requests presenting the same refresh token at once, exactly one wins.
        if (grant == null || !grant.clientId().equals(clientId) || !redeemed.add(presented)) {
            if (grant != null) {
                refusedAsRedeemed.incrementAndGet();
            }
            error(request, 400, "invalid_grant", 70000, "Provided grant is invalid or malformed: the refresh token was already redeemed or is unknown.", null);
            return;
        }
        User user = users.values().stream().filter(u -> u.oid.equals(grant.userOid())).findFirst().orElseThrow();
        Set<String> asked = scopes(form.get("scope"));
        String resource = resourceOf(asked.isEmpty() ? grant.scopes() : asked);
        Failure failure = user.failure;
        if (failure != null) {
            redeemed.remove(presented); // refused, not spent
            error(request, 400, failure.error, failure.code, failure.text.replace("{resource}", resource).replace("{clientId}", clientId), failure.suberror);
            return;
        }
        Set<String> scopes = asked.isEmpty() ? grant.scopes() : asked;
        Set<String> notGranted = new LinkedHashSet<>(scopes);
        notGranted.removeAll(user.consented);
        if (!notGranted.isEmpty()) {
            redeemed.remove(presented); // refused, not spent
            error(request, 400, "invalid_grant", 65001, "The user or administrator has not consented to use the application with ID '"
                    + clientId + "' for " + String.join(" ", notGranted) + ".", "consent_required");
            return;
        }
        // Rotation: the presented token was spent above (redeemed.add), the new one is issued below.
        issue(request, clientId, tenant, user, scopes);
    }

    private void issue(StandinServer.Request request, String clientId, String tenant, User user, Set<String> scopes) throws IOException {
        Instant now = identity.now();
        Duration lifetime = identity.tokenLifetime();
        String resource = resourceOf(scopes);
        List<String> scp = new ArrayList<>();
        for (String s : scopes) {
            if (s.startsWith(resource + "/")) {
                scp.add(s.substring(resource.length() + 1));
            }
        }
        Map<String, Object> access = new LinkedHashMap<>();
        access.put("aud", resource);
        access.put("iss", "https://sts.windows.net/" + tenant + "/");
        access.put("iat", now.getEpochSecond());
        access.put("nbf", now.getEpochSecond());
        access.put("exp", now.plus(lifetime).getEpochSecond());
        access.put("appid", clientId);
        access.put("appidacr", "0");
        access.put("idtyp", "user");
        access.put("oid", user.oid);
        access.put("scp", String.join(" ", scp));
        access.put("sub", user.oid);
        access.put("tid", tenant);
        access.put("upn", user.upn);
        access.put("unique_name", user.upn);
        access.put("uti", UUID.randomUUID().toString());
        access.put("ver", "1.0");
        Map<String, Object> id = new LinkedHashMap<>();
        id.put("aud", clientId);
        id.put("iss", identity.baseUrl() + "/" + tenant + "/v2.0");
        id.put("iat", now.getEpochSecond());
        id.put("nbf", now.getEpochSecond());
        id.put("exp", now.plus(Duration.ofHours(1)).getEpochSecond());
        id.put("name", user.upn);
        id.put("oid", user.oid);
        id.put("preferred_username", user.upn);
        id.put("sub", user.oid);
        id.put("tid", tenant);
        id.put("ver", "2.0");
        String refresh = "rt." + token(32);
        Set<String> grantScopes = new LinkedHashSet<>(scopes);
        refreshTokens.put(refresh, new Grant(clientId, tenant, user.oid, grantScopes));
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("token_type", "Bearer");
        List<String> granted = new ArrayList<>(scopes);
        granted.add("openid");
        granted.add("profile");
        granted.add("offline_access");
        body.put("scope", String.join(" ", granted));
        body.put("expires_in", lifetime.toSeconds());
        body.put("ext_expires_in", lifetime.toSeconds());
        body.put("access_token", identity.signClaims(access));
        body.put("refresh_token", refresh);
        body.put("id_token", identity.signClaims(id));
        body.put("client_info", Base64.getUrlEncoder().withoutPadding().encodeToString(
                ("{\"uid\":\"" + user.oid + "\",\"utid\":\"" + tenant + "\"}").getBytes(StandardCharsets.UTF_8)));
        request.sendJson(200, body, Map.of("Cache-Control", "no-store, no-cache"));
    }

    /** The resource of the first non-OIDC scope, e.g. https://graph.microsoft.com of https://graph.microsoft.com/Mail.Send. */
    private static String resourceOf(Set<String> scopes) {
        for (String s : scopes) {
            int i = s.lastIndexOf('/');
            if (i > "https://".length()) {
                return s.substring(0, i);
            }
        }
        return "https://graph.microsoft.com";
    }

    private static Set<String> scopes(String scope) {
        if (scope == null) {
            return Set.of();
        }
        Set<String> out = new LinkedHashSet<>();
        Arrays.stream(scope.trim().split("\\s+")).filter(s -> !s.isEmpty() && !OIDC.contains(s)).forEach(out::add);
        return out;
    }

    private void error(StandinServer.Request request, int status, String error, int code, String text, String suberror) throws IOException {
        String trace = UUID.randomUUID().toString();
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("error", error);
        body.put("error_description", "AADSTS" + code + ": " + text + "\r\nTrace ID: " + trace + "\r\nCorrelation ID: " + UUID.randomUUID()
                + "\r\nTimestamp: " + Instant.now());
        body.put("error_codes", List.of(code));
        body.put("timestamp", Instant.now().toString());
        body.put("trace_id", trace);
        body.put("correlation_id", UUID.randomUUID().toString());
        if (suberror != null) {
            body.put("suberror", suberror);
        }
        request.sendJson(status, body, Map.of("Cache-Control", "no-store, no-cache"));
    }

    private static String token(int bytes) {
        byte[] b = new byte[bytes];
        RANDOM.nextBytes(b);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(b);
    }
}
