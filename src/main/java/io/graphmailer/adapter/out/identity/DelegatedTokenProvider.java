package io.graphmailer.adapter.out.identity;

import com.microsoft.aad.msal4j.IAccount;
import com.microsoft.aad.msal4j.IAuthenticationResult;
import com.microsoft.aad.msal4j.ITokenCacheAccessAspect;
import com.microsoft.aad.msal4j.ITokenCacheAccessContext;
import com.microsoft.aad.msal4j.MsalException;
import com.microsoft.aad.msal4j.PublicClientApplication;
import com.microsoft.aad.msal4j.SilentParameters;
import io.graphmailer.config.GraphMailerConfig;
import io.graphmailer.domain.DelegatedMailboxes;
import io.graphmailer.domain.DelegatedMailboxes.Delegation;
import io.graphmailer.domain.MailTransportException;
import io.graphmailer.domain.MailTransportException.Kind;
import io.graphmailer.domain.Mailbox;
import io.graphmailer.domain.SignInRequiredException;
import jakarta.inject.Inject;
import jakarta.inject.Singleton;
import org.jboss.logging.Logger;

import java.net.MalformedURLException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;

/**
 * Delegated tokens for the mailboxes of {@link DelegatedMailboxes}: one MSAL {@link PublicClientApplication} per mailbox
 * whose cache is the one stored for it ({@link TokenCacheStore}); tokens come from {@code acquireTokenSilently} for the
 * signed-in account, and whenever MSAL changed the cache (a new access token, the rotated refresh token) it is written
 * back at once, on the version it was read at. When another process wrote meanwhile, the newer refresh wins: if the
 * stored cache was refreshed after ours it is taken, else ours is written on the new version. A refresh token that the
 * identity platform calls already redeemed (another process rotated it) sends us back to the store: we wait for that
 * process's newer cache, take it and ask again silently, so losing the race is never reported as a sign-in required.
 * Neither tokens nor the cache are ever logged.
 */
@Singleton
public final class DelegatedTokenProvider {
    private static final Logger LOG = Logger.getLogger(DelegatedTokenProvider.class);
    /** A held access token is handed out until this close to expiry. */
    static final Duration USABLE_MARGIN = Duration.ofMinutes(5);
    private static final int WRITE_ATTEMPTS = 4;
    /** After "already redeemed", how long to wait for the other process's rotated cache to appear in the store. */
    static final Duration REDEEMED_WAIT = Duration.ofSeconds(10);
    private static final int REDEEMED_REREADS = 3;

    private final DelegatedMailboxes mailboxes;
    private final TokenCacheStore store;
    private final String clientId;
    private final String authority;
    private final Clock clock;
    private final Map<String, Session> sessions = new ConcurrentHashMap<>();
    /** Spans and metrics of the silent token requests; no-op until CDI injects the bean. */
    @Inject
    io.graphmailer.application.port.out.Telemetry telemetry = io.graphmailer.application.port.out.Telemetry.NONE;

    /** One mailbox: its MSAL app, the cache as last read or written, and its version in the store. */
    private final class Session implements ITokenCacheAccessAspect {
        final Delegation delegation;
        final PublicClientApplication app;
        String cache; // MSAL's serialized cache, null until read
        String version;
        TokenCacheStore.SignInFacts facts;
        boolean loadIntoMsal;
        boolean changed;
        final Map<String, AccessToken> held = new ConcurrentHashMap<>();

        Session(Delegation delegation) {
            this.delegation = delegation;
            try {
                this.app = PublicClientApplication.builder(clientId).oidcAuthority(authority).setTokenCacheAccessAspect(this).build();
            } catch (MalformedURLException e) {
                throw new MailTransportException(Kind.CONFIGURATION, "InvalidAuthority", "GRAPH_MAILER_AUTHORITY_HOST gives an invalid authority " + authority, null, null);
            }
        }

        @Override
        public void beforeCacheAccess(ITokenCacheAccessContext context) {
            if (loadIntoMsal && cache != null) {
                context.tokenCache().deserialize(cache);
                loadIntoMsal = false;
            }
        }

        @Override
        public void afterCacheAccess(ITokenCacheAccessContext context) {
            if (context.hasCacheChanged()) {
                cache = context.tokenCache().serialize();
                changed = true;
            }
        }

        void adopt(TokenCacheStore.Stored stored) {
            cache = stored.cache();
            version = stored.version();
            facts = stored.facts();
            loadIntoMsal = true;
            held.clear();
        }
    }

    @Inject
    DelegatedTokenProvider(GraphMailerConfig config, DelegatedMailboxes mailboxes, TokenCacheStore store) {
        this(mailboxes, store, config.authorityHost(), config.tenantId().orElseThrow(), config.delegated().clientId().orElseThrow(), Clock.systemUTC());
    }

    public DelegatedTokenProvider(DelegatedMailboxes mailboxes, TokenCacheStore store, String authorityHost, String tenantId, String clientId, Clock clock) {
        this.mailboxes = mailboxes;
        this.store = store;
        this.clientId = clientId;
        this.authority = (authorityHost.endsWith("/") ? authorityHost.substring(0, authorityHost.length() - 1) : authorityHost) + "/" + tenantId + "/v2.0/";
        this.clock = clock;
    }

    /** An access token for {@code scope} as the mailbox's signed-in account: held, MSAL's cache, or a silent refresh. */
    public AccessToken token(Mailbox mailbox, String scope) {
        return acquire(mailbox, scope, false);
    }

    /** A token straight from the identity platform (after a resource refused the held one; the keep-alive). */
    public AccessToken freshToken(Mailbox mailbox, String scope) {
        return acquire(mailbox, scope, true);
    }

    /** The keep-alive: redeems the refresh token now (rotating it) and stores the result; the facts after it. */
    public TokenCacheStore.SignInFacts refresh(Mailbox mailbox, String scope) {
        freshToken(mailbox, scope);
        Session session = session(mailbox);
        synchronized (session) {
            return session.facts;
        }
    }

    /** What the store says about the mailbox's sign-in, without decrypting it. */
    public Optional<TokenCacheStore.SignInFacts> facts(Mailbox mailbox) {
        return store.facts(mailbox);
    }

    public DelegatedMailboxes mailboxes() {
        return mailboxes;
    }

    private Session session(Mailbox mailbox) {
        Delegation delegation = mailboxes.delegation(mailbox).orElseThrow(() ->
                new IllegalArgumentException(mailbox + " is not a delegated mailbox"));
        return sessions.computeIfAbsent(mailbox.key(), k -> new Session(delegation));
    }

    private AccessToken acquire(Mailbox mailbox, String scope, boolean force) {
        Session session = session(mailbox);
        if (!force) {
            AccessToken held = session.held.get(scope);
            if (held != null && clock.instant().isBefore(held.expiresOn().minus(USABLE_MARGIN))) {
                return held;
            }
        }
        synchronized (session) {
            if (session.cache == null) {
                session.adopt(store.read(mailbox).orElseThrow(() ->
                        DelegatedErrors.notSignedIn(mailbox, session.delegation.account(), store.describe())));
            }
            IAuthenticationResult result;
            try {
                result = silent(session, scope, force);
            } catch (MsalException e) {
                if (!DelegatedErrors.grantAlreadyRedeemed(e)) {
                    throw DelegatedErrors.translate(mailbox, session.delegation.account(), e);
                }
                result = afterRedeemedElsewhere(mailbox, session, scope, e);
            }
            if (session.changed) {
                persist(mailbox, session);
            }
            AccessToken token = new AccessToken(result.accessToken(), result.expiresOnDate().toInstant());
            session.held.put(scope, token);
            return token;
        }
    }

    /**
     * The identity platform called our refresh token already redeemed: another process rotated it a moment ago and is
     * about to store (or has stored) the cache that rotation gave. Waits for a stored cache newer than ours (up to
     * {@link #REDEEMED_WAIT}), takes it and asks again without forcing a refresh: the other process's refresh just gave
     * fresh tokens, and redeeming its new refresh token at once would only race it again. Should that ask meet an
     * already-redeemed token too (a third rotation in between), the store is read again, a few times at most. Only
     * when no newer cache appears is the refusal reported (then the stored refresh token really is spent).
     */
    private IAuthenticationResult afterRedeemedElsewhere(Mailbox mailbox, Session session, String scope, MsalException refused) {
        MsalException last = refused;
        for (int reread = 1; reread <= REDEEMED_REREADS; reread++) {
            TokenCacheStore.Stored stored = storedNewerThan(mailbox, session);
            if (stored == null) {
                break;
            }
            LOG.debugf("delegated: %s's refresh token was rotated by another process; taking its stored cache", mailbox);
            session.adopt(stored);
            try {
                return silent(session, scope, false);
            } catch (MsalException again) {
                if (!DelegatedErrors.grantAlreadyRedeemed(again)) {
                    throw DelegatedErrors.translate(mailbox, session.delegation.account(), again);
                }
                last = again;
            }
        }
        throw DelegatedErrors.translate(mailbox, session.delegation.account(), last);
    }

    /** The stored cache once its version differs from the session's, polling up to {@link #REDEEMED_WAIT}; null if none came. */
    private TokenCacheStore.Stored storedNewerThan(Mailbox mailbox, Session session) {
        long deadline = System.nanoTime() + REDEEMED_WAIT.toNanos();
        long pause = 20;
        while (true) {
            TokenCacheStore.Stored stored = store.read(mailbox).orElseThrow(() ->
                    DelegatedErrors.notSignedIn(mailbox, session.delegation.account(), store.describe()));
            if (!stored.version().equals(session.version)) {
                return stored;
            }
            if (System.nanoTime() >= deadline) {
                return null;
            }
            try {
                Thread.sleep(pause);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return null;
            }
            pause = Math.min(pause * 2, 500);
        }
    }

    /** One silent token request as a span: whether MSAL's cache answered or the refresh token was redeemed. */
    private IAuthenticationResult silent(Session session, String scope, boolean force) {
        try (io.graphmailer.application.port.out.Telemetry.Call call = telemetry.call("identity", "token delegated")
                .set(io.graphmailer.application.port.out.Telemetry.Attribute.TOKEN_KIND, "delegated")) {
            try {
                IAuthenticationResult result = untracedSilent(session, scope, force);
                String source = result.metadata() != null && result.metadata().tokenSource() == com.microsoft.aad.msal4j.TokenSource.CACHE
                        ? "cache" : "network";
                call.set(io.graphmailer.application.port.out.Telemetry.Attribute.TOKEN_SOURCE, source);
                telemetry.tokenAcquired("delegated", source);
                return result;
            } catch (MsalException | MailTransportException e) {
                String code = e instanceof MsalException m ? m.errorCode() : ((MailTransportException) e).code();
                call.failed(code);
                telemetry.tokenFailed("delegated", code);
                throw e;
            }
        }
    }

    private IAuthenticationResult untracedSilent(Session session, String scope, boolean force) {
        session.changed = false;
        try {
            IAccount account = account(session);
            return session.app.acquireTokenSilently(SilentParameters.builder(Set.of(scope), account).forceRefresh(force).build()).get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new MailTransportException(Kind.TRANSIENT, "Interrupted", "interrupted while getting a delegated token", null, null);
        } catch (MalformedURLException e) {
            throw new MailTransportException(Kind.CONFIGURATION, "InvalidAuthority", "GRAPH_MAILER_AUTHORITY_HOST gives an invalid authority " + authority, null, null);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof MsalException msal) {
                throw msal;
            }
            throw new MailTransportException(Kind.TRANSIENT, "IdentityPlatformUnreachable", "no delegated token for "
                    + session.delegation.mailbox() + " from " + authority + " (" + e.getCause().getClass().getSimpleName() + ")", null, null);
        }
    }

    private IAccount account(Session session) throws InterruptedException, ExecutionException {
        Set<IAccount> accounts = session.app.getAccounts().get();
        String wanted = session.facts == null ? "" : session.facts.account();
        for (IAccount a : accounts) {
            if (a.username() != null && a.username().equalsIgnoreCase(wanted)) {
                return a;
            }
        }
        if (accounts.size() == 1) {
            return accounts.iterator().next();
        }
        throw DelegatedErrors.notSignedIn(session.delegation.mailbox(), session.delegation.account(), store.describe());
    }

    /** Writes the changed cache on the version it was read at; on a conflict the later refresh wins (class comment). */
    private void persist(Mailbox mailbox, Session session) {
        Instant refreshedAt = clock.instant();
        TokenCacheStore.SignInFacts facts = session.facts.refreshedAt(refreshedAt);
        for (int attempt = 1; ; attempt++) {
            try {
                session.version = store.write(mailbox, session.cache, facts, session.version);
                session.facts = facts;
                session.changed = false;
                return;
            } catch (TokenCacheStore.Conflict conflict) {
                TokenCacheStore.Stored stored = store.read(mailbox).orElse(null);
                if (stored == null) {
                    throw new SignInRequiredException(mailbox, "SignedOut", "it was signed out while a token was refreshed",
                            SignInRequiredException.signInCommand(mailbox), null);
                }
                if (stored.facts().lastRefresh().isAfter(refreshedAt) || attempt >= WRITE_ATTEMPTS) {
                    LOG.infof("delegated: %s's token cache was refreshed by another process meanwhile; its newer cache is kept", mailbox);
                    String ours = session.cache;
                    session.adopt(stored);
                    if (ours != null && !stored.facts().lastRefresh().isAfter(refreshedAt)) {
                        LOG.warnf("delegated: %s's token cache kept changing; this process's refresh was not stored", mailbox);
                    }
                    return;
                }
                session.version = stored.version(); // ours is the later refresh: write it on the new version
            }
        }
    }
}
