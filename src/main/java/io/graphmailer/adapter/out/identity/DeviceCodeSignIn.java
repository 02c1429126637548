package io.graphmailer.adapter.out.identity;

import com.microsoft.aad.msal4j.DeviceCode;
import com.microsoft.aad.msal4j.DeviceCodeFlowParameters;
import com.microsoft.aad.msal4j.IAuthenticationResult;
import com.microsoft.aad.msal4j.ITokenCacheAccessAspect;
import com.microsoft.aad.msal4j.ITokenCacheAccessContext;
import com.microsoft.aad.msal4j.MsalException;
import com.microsoft.aad.msal4j.PublicClientApplication;
import io.graphmailer.application.port.out.DelegatedSignIn;
import io.graphmailer.config.GraphMailerConfig;
import io.graphmailer.domain.DelegatedMailboxes;
import io.graphmailer.domain.DelegatedMailboxes.Delegation;
import io.graphmailer.domain.MailTransportException;
import io.graphmailer.domain.MailTransportException.Kind;
import io.graphmailer.domain.Mailbox;
import io.graphmailer.domain.SmtpMailboxes;
import jakarta.inject.Inject;
import jakarta.inject.Singleton;

import java.net.MalformedURLException;
import java.time.Clock;
import java.time.Instant;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.function.Consumer;

/**
 * {@code graph-mailer signin <mailbox>}: MSAL's device code flow on the public-client registration for the mailbox's
 * scopes plus {@code offline_access}; checks that the account that signed in is the one the mailbox needs (the mailbox
 * itself, or for a shared mailbox the account configured to send as it), then stores the new cache, replacing any
 * earlier sign-in. {@code signout} deletes it.
 */
@Singleton
public final class DeviceCodeSignIn implements DelegatedSignIn {
    public static final String GRAPH_MAIL_SEND = "https://graph.microsoft.com/Mail.Send";
    public static final String GRAPH_MAIL_SEND_SHARED = "https://graph.microsoft.com/Mail.Send.Shared";
    public static final String SMTP_SEND = "https://outlook.office.com/SMTP.Send";

    private final DelegatedMailboxes mailboxes;
    private final SmtpMailboxes smtp;
    private final TokenCacheStore store;
    private final String clientId;
    private final String authority;
    private final Clock clock;

    @Inject
    DeviceCodeSignIn(GraphMailerConfig config, DelegatedMailboxes mailboxes, SmtpMailboxes smtp, TokenCacheStore store) {
        this(mailboxes, smtp, store, config.authorityHost(), config.tenantId().orElseThrow(), config.delegated().clientId().orElseThrow(), Clock.systemUTC());
    }

    public DeviceCodeSignIn(DelegatedMailboxes mailboxes, SmtpMailboxes smtp, TokenCacheStore store, String authorityHost, String tenantId, String clientId, Clock clock) {
        this.mailboxes = mailboxes;
        this.smtp = smtp;
        this.store = store;
        this.clientId = clientId;
        this.authority = (authorityHost.endsWith("/") ? authorityHost.substring(0, authorityHost.length() - 1) : authorityHost) + "/" + tenantId + "/v2.0/";
        this.clock = clock;
    }

    /**
     * The delegated scopes a mailbox signs in for: SMTP.Send on SMTP, else Mail.Send (and Mail.Send.Shared for a shared
     * mailbox). One resource only: the identity platform refuses a token request whose scopes name two resources
     * (Graph and Exchange Online), so a mailbox signs in for the one its transport needs (README "Delegated mode").
     */
    @Override
    public List<String> scopes(Mailbox mailbox) {
        Delegation d = delegation(mailbox);
        if (smtp.routesToSmtp(mailbox)) {
            return List.of(SMTP_SEND);
        }
        return d.shared() ? List.of(GRAPH_MAIL_SEND, GRAPH_MAIL_SEND_SHARED) : List.of(GRAPH_MAIL_SEND);
    }

    /** The scope tokens are asked for when sending (one resource per token). */
    public String sendScope(Mailbox mailbox) {
        return scopes(mailbox).get(0);
    }

    private Delegation delegation(Mailbox mailbox) {
        return mailboxes.delegation(mailbox).orElseThrow(() -> new MailTransportException(Kind.CONFIGURATION, "NotDelegated",
                mailbox + " is not in GRAPH_MAILER_DELEGATED_MAILBOXES: add it (and to GRAPH_MAILER_ALLOWED_SENDERS) before signing in", null, null));
    }

    /** Runs the device code flow; {@code prompt} shows the code. Returns the stored sign-in's facts. */
    @Override
    public TokenCacheStore.SignInFacts signIn(Mailbox mailbox, Consumer<Prompt> prompt) {
        Delegation d = delegation(mailbox);
        List<String> scopes = scopes(mailbox);
        String[] serialized = new String[1];
        ITokenCacheAccessAspect capture = new ITokenCacheAccessAspect() {
            @Override
            public void beforeCacheAccess(ITokenCacheAccessContext context) {
            }

            @Override
            public void afterCacheAccess(ITokenCacheAccessContext context) {
                if (context.hasCacheChanged()) {
                    serialized[0] = context.tokenCache().serialize();
                }
            }
        };
        IAuthenticationResult result;
        try {
            PublicClientApplication app = PublicClientApplication.builder(clientId).oidcAuthority(authority).setTokenCacheAccessAspect(capture).build();
            Set<String> asked = new LinkedHashSet<>(scopes);
            Consumer<DeviceCode> show = code -> prompt.accept(new Prompt(code.userCode(), code.verificationUri(),
                    clock.instant().plusSeconds(code.expiresIn()), code.message()));
            result = app.acquireToken(DeviceCodeFlowParameters.builder(asked, show).build()).get();
        } catch (MalformedURLException e) {
            throw new MailTransportException(Kind.CONFIGURATION, "InvalidAuthority", "GRAPH_MAILER_AUTHORITY_HOST gives an invalid authority " + authority, null, null);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new MailTransportException(Kind.TRANSIENT, "Interrupted", "sign-in interrupted", null, null);
        } catch (ExecutionException e) {
            throw signInFailed(mailbox, e.getCause());
        }
        String account = result.account() == null ? "" : result.account().username();
        if (account == null || !account.equalsIgnoreCase(d.account().id())) {
            throw new MailTransportException(Kind.CONFIGURATION, "WrongAccount", "signed in as " + account + ", but " + mailbox
                    + (d.shared() ? " is sent as by " + d.account() : " must sign in as itself") + ": nothing was stored. Run graph-mailer signin "
                    + mailbox.id() + " again and sign in as " + d.account(), null, null);
        }
        Instant now = clock.instant();
        TokenCacheStore.SignInFacts facts = new TokenCacheStore.SignInFacts(account, granted(result, scopes), now, now);
        store.replace(mailbox, serialized[0], facts);
        return facts;
    }

    /** The scopes the identity platform says it granted, without the sign-in's own (openid, profile, offline_access, email). */
    private static List<String> granted(IAuthenticationResult result, List<String> asked) {
        String said = result.scopes() == null ? "" : result.scopes().trim();
        List<String> granted = said.isEmpty() ? List.of() : java.util.Arrays.stream(said.split("\\s+"))
                .filter(s -> !OIDC_SCOPES.contains(s.toLowerCase(java.util.Locale.ROOT))).distinct().toList();
        return granted.isEmpty() ? asked : granted;
    }

    private static final Set<String> OIDC_SCOPES = Set.of("openid", "profile", "offline_access", "email");

    /** Removes the mailbox's stored sign-in; whether there was one. */
    public boolean signOut(Mailbox mailbox) {
        delegation(mailbox);
        return store.delete(mailbox);
    }

    private static String firstLine(String s) {
        String text = String.valueOf(s);
        int end = text.indexOf('\r') >= 0 ? text.indexOf('\r') : text.indexOf('\n');
        return end < 0 ? text : text.substring(0, end);
    }

    private static MailTransportException signInFailed(Mailbox mailbox, Throwable cause) {
        String retry = "; run graph-mailer signin " + mailbox.id() + " again";
        if (cause instanceof MsalException msal) {
            String error = String.valueOf(msal.errorCode());
            String why = switch (error) {
                // expired_token: the identity platform's answer; code_expired: MSAL's own, when the code's lifetime ran out first
                case "expired_token", "code_expired" -> "the code expired before it was entered";
                case "access_denied" -> "the sign-in was declined";
                case "slow_down" -> "the identity platform asked to poll more slowly (slow_down) and MSAL stops polling there; wait a minute";
                default -> "the identity platform refused the sign-in (" + error + ": " + firstLine(msal.getMessage()) + ")";
            };
            return new MailTransportException(Kind.CONFIGURATION, "SignInFailed", "sign-in of " + mailbox + " failed: " + why + retry, null, null);
        }
        return new MailTransportException(Kind.TRANSIENT, "SignInFailed", "sign-in of " + mailbox + " failed ("
                + (cause == null ? "unknown" : cause.getClass().getSimpleName()) + ")" + retry, null, null);
    }
}
