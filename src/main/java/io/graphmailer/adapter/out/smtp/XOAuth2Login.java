package io.graphmailer.adapter.out.smtp;

import io.graphmailer.adapter.out.identity.AccessToken;
import io.graphmailer.adapter.out.identity.AccessTokenProvider;
import io.graphmailer.adapter.out.identity.DelegatedTokenProvider;
import io.graphmailer.domain.DelegatedMailboxes;
import io.graphmailer.domain.Mailbox;
import jakarta.mail.AuthenticationFailedException;
import jakarta.mail.MessagingException;
import jakarta.mail.NoSuchProviderException;
import jakarta.mail.Session;
import org.eclipse.angus.mail.smtp.SMTPTransport;

import java.time.Clock;
import java.time.Duration;
import java.util.Properties;
import java.util.function.Supplier;

/**
 * Opens SMTP sessions as a mailbox: STARTTLS (required, never plain text), then {@code AUTH XOAUTH2} with {@code user=} the
 * mailbox's UPN and an app-only token for {@value SmtpMailSender#SMTP_SCOPE}, or, for a delegated mailbox, the signed-in
 * account's delegated token for {@value SmtpMailSender#DELEGATED_SMTP_SCOPE} from the stored sign-in ({@code user=} is
 * still the mailbox: for a shared mailbox the shared one, with the token of the account that may send as it); judges
 * whether a pooled session's token is still good for {@link #refreshMargin} and, for a delegated mailbox, still the one
 * the stored sign-in gives (a refreshed token opens a new login).
 */
final class XOAuth2Login {
    /** A pooled connection whose token expires within this is replaced (MSAL renews tokens this close to expiry). */
    static final Duration TOKEN_REFRESH_MARGIN = Duration.ofMinutes(5);

    private final String host;
    private final int port;
    private final Duration timeout;
    private final Duration refreshMargin;
    private final String clientId;
    private final AccessTokenProvider tokens;
    private final Clock clock;
    private final DelegatedMailboxes delegated;
    private final Supplier<DelegatedTokenProvider> delegatedTokens;
    private final String delegatedScope;

    XOAuth2Login(String host, int port, Duration timeout, Duration refreshMargin, String clientId, AccessTokenProvider tokens,
                 Clock clock) {
        this(host, port, timeout, refreshMargin, clientId, tokens, clock, DelegatedMailboxes.NONE, () -> {
            throw new IllegalStateException("no delegated mailboxes");
        }, SmtpMailSender.DELEGATED_SMTP_SCOPE);
    }

    /** @param delegatedTokens asked only when a delegated mailbox logs in (the provider is built on first use) */
    XOAuth2Login(String host, int port, Duration timeout, Duration refreshMargin, String clientId, AccessTokenProvider tokens,
                 Clock clock, DelegatedMailboxes delegated, Supplier<DelegatedTokenProvider> delegatedTokens, String delegatedScope) {
        this.host = host;
        this.port = port;
        this.timeout = timeout;
        this.refreshMargin = refreshMargin;
        this.clientId = clientId;
        this.tokens = tokens;
        this.clock = clock;
        this.delegated = delegated;
        this.delegatedTokens = delegatedTokens;
        this.delegatedScope = delegatedScope;
    }

    private boolean isDelegated(String upn) {
        return delegated.isDelegated(new Mailbox(upn));
    }

    private AccessToken token(String upn) {
        return isDelegated(upn) ? delegatedTokens.get().token(new Mailbox(upn), delegatedScope) : tokens.token(SmtpMailSender.SMTP_SCOPE);
    }

    private AccessToken freshToken(String upn) {
        return isDelegated(upn) ? delegatedTokens.get().freshToken(new Mailbox(upn), delegatedScope) : tokens.freshToken(SmtpMailSender.SMTP_SCOPE);
    }

    String where() {
        return host + ":" + port;
    }

    Session session(String upn) {
        Properties p = new Properties();
        String millis = Long.toString(timeout.toMillis());
        p.setProperty("mail.smtp.host", host);
        p.setProperty("mail.smtp.port", Integer.toString(port));
        p.setProperty("mail.smtp.from", upn); // the envelope sender (MAIL FROM) is the mailbox itself
        p.setProperty("mail.smtp.starttls.enable", "true");
        p.setProperty("mail.smtp.starttls.required", "true"); // never continue in plain text
        p.setProperty("mail.smtp.ssl.checkserveridentity", "true");
        p.setProperty("mail.smtp.ssl.protocols", "TLSv1.3 TLSv1.2");
        p.setProperty("mail.smtp.auth", "true");
        p.setProperty("mail.smtp.auth.mechanisms", "XOAUTH2");
        p.setProperty("mail.smtp.auth.xoauth2.disable", "false");
        p.setProperty("mail.smtp.connectiontimeout", millis);
        p.setProperty("mail.smtp.timeout", millis);
        p.setProperty("mail.smtp.writetimeout", millis);
        p.setProperty("mail.smtp.quitwait", "false");
        return Session.getInstance(p);
    }

    /** Whether a pooled connection's token is still good beyond the refresh margin. */
    boolean tokenStillGood(SmtpConnection connection) {
        return !connection.token().expiresOn().minus(refreshMargin).isBefore(clock.instant());
    }

    /**
     * Whether a pooled connection of {@code upn} may carry the next send: its token good beyond the margin and, for a
     * delegated mailbox, the very token the stored sign-in gives now (connections are keyed by mailbox and token: after
     * a refresh, or a new sign-in, the next send logs in again with the new token).
     */
    boolean stillCurrent(SmtpConnection connection, String upn) {
        if (!tokenStillGood(connection)) {
            return false;
        }
        return !isDelegated(upn) || currentToken(upn).value().equals(connection.token().value());
    }

    /** A new session with the current token. */
    SmtpConnection open(Session session, String upn) {
        return open(session, upn, currentToken(upn));
    }

    /** A new session with a token fresh from the identity platform (the old session lost its authentication). */
    SmtpConnection openWithFreshToken(Session session, String upn) {
        return open(session, upn, freshToken(upn));
    }

    private AccessToken currentToken(String upn) {
        AccessToken token = token(upn); // MSAL renews a cached token shortly before it expires
        if (!token.expiresOn().isAfter(clock.instant())) {
            token = freshToken(upn);
        }
        return token;
    }

    /** Connects, STARTTLS, AUTH XOAUTH2; on a 535 5.7.3 once more with a token fresh from the identity platform. */
    private SmtpConnection open(Session session, String upn, AccessToken token) {
        try {
            return connect(session, upn, token);
        } catch (AuthenticationFailedException e) {
            String reply = lastReply(e);
            if (reply.startsWith("535") && !reply.contains("5.7.139")) {
                AccessToken fresh = freshToken(upn);
                try {
                    return connect(session, upn, fresh);
                } catch (AuthenticationFailedException again) {
                    throw refused(lastReply(again), upn, fresh);
                } catch (MessagingException again) {
                    throw SmtpReplies.connectFailed(again, where());
                }
            }
            throw refused(reply, upn, token);
        } catch (MessagingException e) {
            throw SmtpReplies.connectFailed(e, where());
        }
    }

    private RuntimeException refused(String reply, String upn, AccessToken token) {
        if (isDelegated(upn)) {
            Mailbox mailbox = new Mailbox(upn);
            Mailbox account = delegated.delegation(mailbox).orElseThrow().account();
            return SmtpReplies.delegatedAuthenticationFailed(reply, mailbox, account, token.value());
        }
        return SmtpReplies.authenticationFailed(reply, upn, clientId, token.value());
    }

    /** The server's reply to AUTH, which Angus Mail's exception does not carry. */
    private static final class ReplyHolder extends AuthenticationFailedException {
        final String reply;

        ReplyHolder(String reply, AuthenticationFailedException cause) {
            super(reply, cause);
            this.reply = reply;
        }
    }

    private SmtpConnection connect(Session session, String upn, AccessToken token) throws MessagingException {
        SMTPTransport transport;
        try {
            transport = (SMTPTransport) session.getTransport("smtp");
        } catch (NoSuchProviderException e) {
            throw new IllegalStateException("Angus Mail's SMTP provider is missing", e);
        }
        try {
            transport.connect(host, port, upn, token.value());
        } catch (AuthenticationFailedException e) {
            String reply = transport.getLastServerResponse();
            SmtpConnection.close(transport);
            throw new ReplyHolder(reply == null || reply.isBlank() ? String.valueOf(e.getMessage()) : reply, e);
        }
        return new SmtpConnection(transport, token, false);
    }

    private static String lastReply(AuthenticationFailedException e) {
        return e instanceof ReplyHolder holder ? holder.reply.strip() : String.valueOf(e.getMessage()).strip();
    }
}
