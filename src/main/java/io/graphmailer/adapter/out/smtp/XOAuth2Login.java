package io.graphmailer.adapter.out.smtp;

import io.graphmailer.adapter.out.identity.AccessToken;
import io.graphmailer.adapter.out.identity.AccessTokenProvider;
import jakarta.mail.AuthenticationFailedException;
import jakarta.mail.MessagingException;
import jakarta.mail.NoSuchProviderException;
import jakarta.mail.Session;
import org.eclipse.angus.mail.smtp.SMTPTransport;

import java.time.Clock;
import java.time.Duration;
import java.util.Properties;

/**
 * Opens SMTP sessions as a mailbox: STARTTLS (required, never plain text), then {@code AUTH XOAUTH2} with {@code user=} the
 * mailbox's UPN and an app-only token for {@value SmtpMailSender#SMTP_SCOPE}; judges whether a pooled session's token
 * is still good for {@link #refreshMargin}.
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

    XOAuth2Login(String host, int port, Duration timeout, Duration refreshMargin, String clientId, AccessTokenProvider tokens,
                 Clock clock) {
        this.host = host;
        this.port = port;
        this.timeout = timeout;
        this.refreshMargin = refreshMargin;
        this.clientId = clientId;
        this.tokens = tokens;
        this.clock = clock;
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

    /** A new session with the current token. */
    SmtpConnection open(Session session, String upn) {
        return open(session, upn, currentToken());
    }

    /** A new session with a token fresh from the identity platform (the old session lost its authentication). */
    SmtpConnection openWithFreshToken(Session session, String upn) {
        return open(session, upn, tokens.freshToken(SmtpMailSender.SMTP_SCOPE));
    }

    private AccessToken currentToken() {
        AccessToken token = tokens.token(SmtpMailSender.SMTP_SCOPE); // MSAL renews a cached token shortly before it expires
        if (!token.expiresOn().isAfter(clock.instant())) {
            token = tokens.freshToken(SmtpMailSender.SMTP_SCOPE);
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
                AccessToken fresh = tokens.freshToken(SmtpMailSender.SMTP_SCOPE);
                try {
                    return connect(session, upn, fresh);
                } catch (AuthenticationFailedException again) {
                    throw SmtpReplies.authenticationFailed(lastReply(again), upn, clientId, fresh.value());
                } catch (MessagingException again) {
                    throw SmtpReplies.connectFailed(again, where());
                }
            }
            throw SmtpReplies.authenticationFailed(reply, upn, clientId, token.value());
        } catch (MessagingException e) {
            throw SmtpReplies.connectFailed(e, where());
        }
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
