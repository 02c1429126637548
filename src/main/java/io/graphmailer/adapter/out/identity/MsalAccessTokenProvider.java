package io.graphmailer.adapter.out.identity;

import com.microsoft.aad.msal4j.ClientCredentialFactory;
import com.microsoft.aad.msal4j.ClientCredentialParameters;
import com.microsoft.aad.msal4j.ConfidentialClientApplication;
import com.microsoft.aad.msal4j.IAuthenticationResult;
import com.microsoft.aad.msal4j.MsalException;
import com.microsoft.aad.msal4j.MsalServiceException;
import io.graphmailer.config.GraphMailerConfig;
import io.graphmailer.domain.MailTransportException;
import io.graphmailer.domain.MailTransportException.Kind;
import jakarta.annotation.PreDestroy;
import jakarta.inject.Inject;
import jakarta.inject.Singleton;
import org.jboss.logging.Logger;

import java.net.MalformedURLException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;

/**
 * Client-credentials tokens from Microsoft Entra ID with the app registration's certificate.
 * One {@link ConfidentialClientApplication} is kept and reused so MSAL's token cache works; it is
 * rebuilt only when the certificate changes (a newer version in Key Vault, found on a periodic check
 * or after the identity platform rejected the assertion), so rotation needs no restart.
 * <p>
 * The send path does not go to MSAL (nor take a lock) while a token is held: the last token per scope is kept here
 * and handed out until {@link #USABLE_MARGIN} before it expires. From its refresh point (at the latest
 * {@link #REFRESH_MARGIN} before expiry) the next caller still gets it, and a new one is fetched on a background
 * thread. Only a caller that finds no usable token (the first, after an idle spell, after a certificate change)
 * waits for the identity platform; {@link #freshToken} always does.
 */
@Singleton // one instance, so MSAL's token cache lives once in the process
public final class MsalAccessTokenProvider implements AccessTokenProvider {
    private static final Logger LOG = Logger.getLogger(MsalAccessTokenProvider.class);
    /** After a failed certificate read, callers get the same answer for this long instead of hammering Key Vault. */
    static final Duration FAILURE_BACKOFF = Duration.ofSeconds(15);
    /** A held token is not handed out with less than this left (MSAL's own margin: a token about to expire is renewed). */
    static final Duration USABLE_MARGIN = Duration.ofMinutes(5);
    /** From this long before expiry (or half its usable life, for short-lived tokens) a new token is fetched in the background. */
    static final Duration REFRESH_MARGIN = Duration.ofMinutes(10);

    /** The last token for a scope, from the MSAL app it was issued to, and when to fetch the next one in the background. */
    private record Held(AccessToken token, ConfidentialClientApplication app, Instant refreshAt) {
    }

    private record State(ClientCertificate certificate, ConfidentialClientApplication app, Instant checkedAt) {
    }

    private final CertificateSource source;
    private final String clientId;
    private final String authority;
    private final Duration checkInterval;
    private final Clock clock;
    private final ConcurrentHashMap<String, Object> scopeLocks = new ConcurrentHashMap<>();
    private volatile State state;
    private volatile CertificateUnavailableException lastFailure;
    private volatile Instant lastFailureAt = Instant.MIN;
    private final ConcurrentHashMap<String, Held> held = new ConcurrentHashMap<>();
    private final Set<String> refreshing = ConcurrentHashMap.newKeySet();
    /** Spans and metrics of token requests and the certificate's expiry; no-op until CDI injects the bean. */
    @Inject
    io.graphmailer.application.port.out.Telemetry telemetry = io.graphmailer.application.port.out.Telemetry.NONE;
    /** One daemon thread, started on the first background refresh. */
    private final ExecutorService refresher = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "graph-mailer-token-refresh");
        t.setDaemon(true);
        return t;
    });

    /** Nothing is read or requested here: the certificate and the MSAL app come on the first token (or the warm-up). */
    @Inject
    MsalAccessTokenProvider(GraphMailerConfig config, CertificateSource source) {
        this(source, config.authorityHost(), config.tenantId().orElseThrow(), config.clientId().orElseThrow(),
                config.certificateCheckInterval(), Clock.systemUTC());
    }

    /**
     * @param authorityHost e.g. {@code https://login.microsoftonline.com} (or a sovereign cloud's host)
     */
    MsalAccessTokenProvider(CertificateSource source, String authorityHost, String tenantId, String clientId,
                                   Duration checkInterval, Clock clock) {
        this.source = source;
        this.clientId = clientId;
        // The OIDC form keeps MSAL's cache keyed correctly even when the host carries a port.
        this.authority = stripSlash(authorityHost) + "/" + tenantId + "/v2.0/"; // MSAL appends .well-known/openid-configuration
        this.checkInterval = checkInterval;
        this.clock = clock;
    }

    /** Loads the certificate and builds the MSAL app now, so the first request does not pay for it. */
    public void warmUp() {
        currentState();
    }

    public ClientCertificate certificate() {
        return currentState().certificate();
    }

    @Override
    public java.util.Optional<String> signingThumbprint() {
        State current = state;
        return current == null ? java.util.Optional.empty() : java.util.Optional.of(current.certificate().thumbprint());
    }

    @Override
    public AccessToken token(String scope) {
        State current = currentState(); // a field read unless the first token or the periodic certificate check is due
        Held h = held.get(scope);
        if (h == null || h.app() != current.app()) {
            return acquire(scope, false);
        }
        Instant now = clock.instant();
        if (usable(h, now)) {
            if (!now.isBefore(h.refreshAt())) {
                refreshInBackground(scope, h);
            }
            return h.token();
        }
        // Too close to expiry (no send for a while, or a short-lived token). MSAL's cache holds the same token, so past it;
        // callers that queued here behind the first take the token it got.
        synchronized (scopeLocks.computeIfAbsent(scope, s -> new Object())) {
            Held latest = held.get(scope);
            if (latest != h && latest != null && latest.app() == current.app() && usable(latest, clock.instant())) {
                return latest.token();
            }
            return acquireLocked(scope, true);
        }
    }

    private static boolean usable(Held h, Instant now) {
        return now.isBefore(h.token().expiresOn().minus(USABLE_MARGIN));
    }

    /** Fetches a new token for {@code scope} on the refresh thread, unless one is on its way; callers keep using {@code seen}. */
    private void refreshInBackground(String scope, Held seen) {
        if (!refreshing.add(scope)) {
            return;
        }
        try {
            refresher.execute(() -> {
                try {
                    synchronized (scopeLocks.computeIfAbsent(scope, s -> new Object())) {
                        if (held.get(scope) == seen) { // else a caller already got a newer one
                            acquireLocked(scope, true);
                        }
                    }
                } catch (RuntimeException e) {
                    LOG.warnf("background token refresh for %s failed, the current token stays in use until %s: %s",
                            scope, seen.token().expiresOn().minus(USABLE_MARGIN), e.getMessage());
                    // Try again on a send after the back-off, not on every send.
                    held.replace(scope, seen, new Held(seen.token(), seen.app(), clock.instant().plus(FAILURE_BACKOFF)));
                } finally {
                    refreshing.remove(scope);
                }
            });
        } catch (RejectedExecutionException e) { // shutting down
            refreshing.remove(scope);
        }
    }

    /** Whether a background refresh for {@code scope} is queued or running (for tests). */
    boolean refreshInFlight(String scope) {
        return refreshing.contains(scope);
    }

    @PreDestroy
    void close() {
        refresher.shutdownNow();
    }

    @Override
    public AccessToken freshToken(String scope) {
        return acquire(scope, true);
    }

    private AccessToken acquire(String scope, boolean skipCache) {
        // One token request per scope at a time: MSAL does not merge concurrent cache misses, so without
        // this a warm-up and the first send (or a burst of queue invocations) would each fetch a token.
        synchronized (scopeLocks.computeIfAbsent(scope, s -> new Object())) {
            return acquireLocked(scope, skipCache);
        }
    }

    private AccessToken acquireLocked(String scope, boolean skipCache) {
        // A fresh token (the doctor, a retry after a refusal) reads Key Vault again rather than repeat a recent failure.
        State current = skipCache ? currentState(true) : currentState();
        try {
            return request(current.app(), scope, skipCache);
        } catch (MsalServiceException e) {
            if (!assertionRejected(e)) {
                throw translate(e, current, scope);
            }
            // The certificate may have been rotated: read Key Vault again and retry once with a new one.
            State reloaded = reload(current);
            if (reloaded.certificate().version() != null && reloaded.certificate().version().equals(current.certificate().version())) {
                throw translate(e, current, scope);
            }
            try {
                return request(reloaded.app(), scope, true);
            } catch (MsalServiceException again) {
                throw translate(again, reloaded, scope);
            }
        }
    }

    /** One token request to MSAL as a span: whether MSAL's cache answered or the identity platform was asked. */
    private AccessToken request(ConfidentialClientApplication app, String scope, boolean skipCache) {
        try (io.graphmailer.application.port.out.Telemetry.Call call = telemetry.call("identity", "token app-only")
                .set(io.graphmailer.application.port.out.Telemetry.Attribute.TOKEN_KIND, "app-only")
                .set(io.graphmailer.application.port.out.Telemetry.Attribute.HOST, java.net.URI.create(authority).getHost())) {
            try {
                return request(app, scope, skipCache, call);
            } catch (MsalServiceException e) {
                // The AADSTS number says what was refused (AADSTS700027: certificate not registered); MSAL's code only the kind.
                java.util.regex.Matcher aadsts = java.util.regex.Pattern.compile("AADSTS\\d+").matcher(String.valueOf(e.getMessage()));
                String code = aadsts.find() ? aadsts.group() : e.errorCode();
                call.failed(code);
                telemetry.tokenFailed("app-only", code);
                throw e;
            } catch (MailTransportException e) {
                call.failed(e.code());
                telemetry.tokenFailed("app-only", e.code());
                throw e;
            }
        }
    }

    private AccessToken request(ConfidentialClientApplication app, String scope, boolean skipCache,
                                io.graphmailer.application.port.out.Telemetry.Call call) {
        try {
            IAuthenticationResult result = app.acquireToken(ClientCredentialParameters.builder(Set.of(scope))
                    .skipCache(skipCache).build()).get();
            String source = result.metadata() != null && result.metadata().tokenSource() == com.microsoft.aad.msal4j.TokenSource.CACHE
                    ? "cache" : "network";
            call.set(io.graphmailer.application.port.out.Telemetry.Attribute.TOKEN_SOURCE, source);
            telemetry.tokenAcquired("app-only", source);
            AccessToken token = new AccessToken(result.accessToken(), result.expiresOnDate().toInstant());
            if (hold(scope, app, token) == null) {
                LOG.infof("startup: first token for %s obtained, %d ms after JVM start", scope, sinceJvmStartMillis());
            }
            return token;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new MailTransportException(Kind.TRANSIENT, "Interrupted", "interrupted while getting a token", null, e);
        } catch (ExecutionException | CompletionException e) {
            Throwable cause = e.getCause() == null ? e : e.getCause();
            if (cause instanceof MsalServiceException service) {
                throw service;
            }
            if (cause instanceof MsalException msal) {
                throw new MailTransportException(Kind.TRANSIENT, "IdentityPlatformUnreachable", "no token from the identity platform at "
                        + authority + " (" + msal.errorCode() + "); check GRAPH_MAILER_AUTHORITY_HOST and the network path", null, msal);
            }
            throw new MailTransportException(Kind.TRANSIENT, "IdentityPlatformUnreachable", "no token from the identity platform at "
                    + authority + " (" + cause.getClass().getSimpleName() + ")", null, cause);
        }
    }

    /** Keeps {@code token} for the next callers; its refresh point is {@link #REFRESH_MARGIN} before expiry, never before half its usable life. */
    private Held hold(String scope, ConfidentialClientApplication app, AccessToken token) {
        Instant now = clock.instant();
        Duration usable = Duration.between(now, token.expiresOn().minus(USABLE_MARGIN));
        Instant refreshAt = token.expiresOn().minus(REFRESH_MARGIN);
        Instant halfway = now.plus(usable.isNegative() ? Duration.ZERO : usable.dividedBy(2));
        return held.put(scope, new Held(token, app, refreshAt.isAfter(halfway) ? refreshAt : halfway));
    }

    /** For the start-up timeline's log lines (bench/startup-and-send.sh); -1 where the platform does not say. */
    static long sinceJvmStartMillis() {
        return ProcessHandle.current().info().startInstant()
                .map(started -> Duration.between(started, Instant.now()).toMillis()).orElse(-1L);
    }

    private static boolean assertionRejected(MsalServiceException e) {
        String text = String.valueOf(e.getMessage());
        return text.contains("AADSTS700027") || text.contains("AADSTS700024") || text.contains("AADSTS7000274")
                || ("invalid_client".equals(e.errorCode()) && !text.contains("AADSTS7000218"));
    }

    private MailTransportException translate(MsalServiceException e, State state, String scope) {
        String text = String.valueOf(e.getMessage());
        String cert = "certificate " + state.certificate().thumbprint() + " from " + source.describe();
        String code;
        String message;
        if (text.contains("AADSTS700027")) {
            code = "CertificateNotRegistered";
            message = "the identity platform rejected the client assertion (AADSTS700027): " + cert
                    + " is not registered on app registration " + clientId + ", or has expired (valid until " + state.certificate().notAfter()
                    + "). Upload the current certificate to the app registration (identity team)";
        } else if (text.contains("AADSTS700016")) {
            code = "AppNotFound";
            message = "app registration " + clientId + " was not found in the tenant (AADSTS700016): check GRAPH_MAILER_CLIENT_ID and GRAPH_MAILER_TENANT_ID";
        } else if (text.contains("AADSTS700024")) {
            code = "AssertionOutsideValidity";
            message = "the client assertion is outside its validity window (AADSTS700024): check this host's clock";
        } else if (text.contains("AADSTS90002")) {
            code = "TenantNotFound";
            message = "tenant not found (AADSTS90002): check GRAPH_MAILER_TENANT_ID and GRAPH_MAILER_AUTHORITY_HOST (cloud)";
        } else if (text.contains("AADSTS70011") || text.contains("AADSTS1002012")) {
            code = "InvalidScope";
            message = "the identity platform refused scope " + scope + " (" + (text.contains("AADSTS70011") ? "AADSTS70011" : "AADSTS1002012") + ")";
        } else if (text.contains("AADSTS500011")) {
            code = "ResourceNotInTenant";
            message = "the resource of scope " + scope + " has no service principal in the tenant (AADSTS500011): for SMTP, Office 365 Exchange Online must exist in the tenant";
        } else if (e.statusCode() != null && (e.statusCode() >= 500 || e.statusCode() == 429)) {
            return new MailTransportException(Kind.TRANSIENT, "IdentityPlatformBusy", "the identity platform answered " + e.statusCode()
                    + " (" + e.errorCode() + ")", null, e);
        } else {
            code = "TokenRefused";
            message = "the identity platform refused a token for " + scope + " (" + e.errorCode() + ": " + firstLine(text) + ")";
        }
        return new MailTransportException(Kind.CONFIGURATION, code, message, null, e);
    }

    private State currentState() {
        return currentState(false);
    }

    private State currentState(boolean ignoreFailureBackoff) {
        State current = state;
        Instant now = clock.instant();
        if (current == null) {
            synchronized (this) {
                if (state == null) {
                    ClientCertificate certificate = loadCertificate(ignoreFailureBackoff);
                    LOG.infof("startup: certificate %s loaded from %s, %d ms after JVM start", certificate.thumbprint(),
                            source.describe(), sinceJvmStartMillis());
                    state = build(certificate, now);
                }
                return state;
            }
        }
        if (Duration.between(current.checkedAt(), now).compareTo(checkInterval) >= 0) {
            synchronized (this) {
                if (state == current) {
                    try {
                        state = reloadLocked(current, now);
                    } catch (MailTransportException e) {
                        // Keep using the certificate we have; a failed periodic check is not fatal.
                        LOG.warnf("periodic certificate check failed, keeping %s: %s", current.certificate(), e.getMessage());
                        state = new State(current.certificate(), current.app(), now);
                    }
                }
                return state;
            }
        }
        return current;
    }

    private synchronized State reload(State seen) {
        if (state != seen) {
            return state; // another thread already reloaded
        }
        state = reloadLocked(seen, clock.instant());
        return state;
    }

    private State reloadLocked(State current, Instant now) {
        ClientCertificate latest = loadCertificate();
        if (latest.version() != null && latest.version().equals(current.certificate().version())) {
            return new State(current.certificate(), current.app(), now);
        }
        LOG.infof("certificate rotated: now using %s (was %s)", latest, current.certificate());
        return build(latest, now);
    }

    private ClientCertificate loadCertificate() {
        return loadCertificate(false);
    }

    private ClientCertificate loadCertificate(boolean ignoreFailureBackoff) {
        CertificateUnavailableException recent = lastFailure;
        if (!ignoreFailureBackoff && recent != null && Duration.between(lastFailureAt, clock.instant()).compareTo(FAILURE_BACKOFF) < 0) {
            throw asTransportException(recent);
        }
        try {
            ClientCertificate certificate = source.load();
            telemetry.certificateLoaded(certificate.notAfter());
            lastFailure = null;
            if (certificate.notAfter().isBefore(clock.instant())) {
                LOG.warnf("%s has expired; the identity platform will refuse it (AADSTS700027)", certificate);
            }
            return certificate;
        } catch (CertificateUnavailableException e) {
            if (lastFailure == null || !lastFailure.getMessage().equals(e.getMessage())) {
                LOG.errorf("cannot load the certificate: %s", e.getMessage());
            }
            lastFailure = e;
            lastFailureAt = clock.instant();
            throw asTransportException(e);
        }
    }

    private static MailTransportException asTransportException(CertificateUnavailableException e) {
        return new MailTransportException(e.isTransient() ? Kind.TRANSIENT : Kind.CONFIGURATION, e.code(), e.getMessage(),
                e.isTransient() ? FAILURE_BACKOFF : null, e);
    }

    private State build(ClientCertificate certificate, Instant now) {
        try {
            ConfidentialClientApplication app = ConfidentialClientApplication
                    .builder(clientId, ClientCredentialFactory.createFromCertificateChain(certificate.privateKey(), certificate.chain()))
                    .oidcAuthority(authority)
                    .build();
            return new State(certificate, app, now);
        } catch (MalformedURLException e) {
            throw new MailTransportException(Kind.CONFIGURATION, "InvalidAuthority", "GRAPH_MAILER_AUTHORITY_HOST gives an invalid authority " + authority, null, e);
        }
    }

    private static String stripSlash(String s) {
        return s.endsWith("/") ? s.substring(0, s.length() - 1) : s;
    }

    private static String firstLine(String s) {
        int i = s.indexOf('\r');
        int j = s.indexOf('\n');
        int end = i < 0 ? j : (j < 0 ? i : Math.min(i, j));
        return end < 0 ? s : s.substring(0, end);
    }
}
