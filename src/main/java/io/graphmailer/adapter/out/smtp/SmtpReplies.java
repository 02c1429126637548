package io.graphmailer.adapter.out.smtp;

import com.fasterxml.jackson.databind.JsonNode;
import io.graphmailer.adapter.out.identity.JwtClaims;
import io.graphmailer.domain.MailTransportException;
import io.graphmailer.domain.MailTransportException.Kind;
import io.graphmailer.domain.Mailbox;
import io.graphmailer.domain.SignInRequiredException;

import jakarta.mail.MessagingException;
import jakarta.mail.SendFailedException;
import org.eclipse.angus.mail.smtp.SMTPAddressFailedException;
import org.eclipse.angus.mail.smtp.SMTPSendFailedException;
import org.eclipse.angus.mail.smtp.SMTPSenderFailedException;

import javax.net.ssl.SSLException;
import java.io.InterruptedIOException;
import java.net.ConnectException;
import java.net.UnknownHostException;
import java.security.cert.CertificateException;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Locale;

/** Exchange Online's SMTP replies in the words of the checklist operators know, and who must act on them. */
final class SmtpReplies {
    static final Duration CONNECTION_LIMIT_RETRY = Duration.ofSeconds(10);

    private SmtpReplies() {
    }

    /** The reply to AUTH XOAUTH2 was not 235. */
    static MailTransportException authenticationFailed(String reply, String upn, String clientId, String token) {
        String exchange = "Exchange answered '" + oneLine(reply) + "' to AUTH XOAUTH2 as " + upn;
        if (reply != null && reply.contains("5.7.139")) {
            return new MailTransportException(Kind.CONFIGURATION, "SmtpAuthDisabled", exchange + ". SMTP AUTH is turned off"
                    + " for the tenant (email team: Set-TransportConfig -SmtpClientAuthenticationDisabled $false) or blocked by"
                    + " security defaults or a Conditional Access policy (identity team)");
        }
        if (reply != null && reply.startsWith("432")) {
            return connectionLimit(reply, upn);
        }
        if (reply != null && reply.startsWith("4")) {
            return new MailTransportException(Kind.TRANSIENT, "SmtpBusy", exchange + "; try again later", null, null);
        }
        return new MailTransportException(Kind.CONFIGURATION, "SmtpAuthenticationUnsuccessful", exchange
                + ". Check, in this order: (1) the token is for https://outlook.office365.com/.default ("
                + describe(token) + "); (2) app registration " + clientId + " has the application permission SMTP.SendAsApp"
                + " on Office 365 Exchange Online with admin consent; (3) its service principal is registered in Exchange"
                + " (New-ServicePrincipal -AppId " + clientId + " -ObjectId <enterprise application object id>) and has"
                + " FullAccess on " + upn + " (Add-MailboxPermission); (4) Authenticated SMTP is enabled on the mailbox"
                + " (Set-CASMailbox " + upn + " -SmtpClientAuthenticationDisabled $false); (5) the token has not expired"
                + " (this host's clock); (6) user= is the mailbox's UPN exactly: GRAPH_MAILER_SMTP_MAILBOXES must list the"
                + " UPN, not an alias (used: " + upn + ")");
    }

    /**
     * Exchange refused AUTH XOAUTH2 with a delegated mailbox's token. A 535 5.7.3 means the sign-in does not give what
     * SMTP needs (the scope, or Send As for a shared mailbox, or the account changed): a new sign-in (with the SMTP
     * scope, after the fix) is what ends it, so it is a {@link SignInRequiredException} and queued mail waits for it.
     * The tenant switch (5.7.139) and busy replies are as for app-only tokens.
     */
    static MailTransportException delegatedAuthenticationFailed(String reply, Mailbox mailbox, Mailbox account, String token) {
        String scope = SmtpMailSender.DELEGATED_SMTP_SCOPE;
        if (reply != null && (reply.contains("5.7.139") || reply.startsWith("4"))) {
            return authenticationFailed(reply, mailbox.id(), "(the public client)", token);
        }
        String scopes = "?";
        String audience = "?";
        try {
            JsonNode payload = JwtClaims.payload(token);
            scopes = payload.path("scp").asText("").isBlank() ? "none" : payload.path("scp").asText();
            audience = payload.path("aud").asText("?");
        } catch (Exception e) {
            // not a JWT we can read: say so below with the placeholders
        }
        String wanted = scope.substring(scope.lastIndexOf('/') + 1);
        boolean hasScope = java.util.Arrays.asList(scopes.split(" ")).contains(wanted);
        String cause = "Exchange answered '" + oneLine(reply) + "' to AUTH XOAUTH2 as " + mailbox.id() + " with the delegated token of "
                + account + " (aud " + audience + ", scp " + scopes + ")"
                + (hasScope ? "" : "; the token lacks scope " + scope + ": sign in again consenting to it")
                + (account.key().equals(mailbox.key()) ? "" : "; " + account + " needs Send As on " + mailbox.id()
                        + " (Add-RecipientPermission -Identity " + mailbox.id() + " -Trustee " + account + " -AccessRights SendAs)")
                + "; Authenticated SMTP must be enabled on the mailbox (Set-CASMailbox " + mailbox.id()
                + " -SmtpClientAuthenticationDisabled $false)";
        return new SignInRequiredException(mailbox, "SmtpDelegatedAuthenticationUnsuccessful", cause, SignInRequiredException.signInCommand(mailbox), null);
    }

    /** A reply to MAIL FROM, RCPT TO or DATA (the message was not accepted). */
    static MailTransportException sendRefused(int code, String reply, String command, String upn) {
        String exchange = "Exchange answered '" + oneLine(reply) + "'" + (command == null ? "" : " to " + command(command));
        String text = reply == null ? "" : reply;
        if (code == 432 || text.contains("4.3.2")) {
            return connectionLimit(reply, upn);
        }
        if (code >= 400 && code < 500) {
            return new MailTransportException(Kind.TRANSIENT, "SmtpTemporaryFailure", exchange + "; the message was not"
                    + " accepted, try again later", null, null);
        }
        if (code == 530 || code == 535 || text.contains("5.7.57")) {
            return new MailTransportException(Kind.CONFIGURATION, "SmtpNotAuthenticated", exchange + ": the SMTP session of "
                    + upn + " is not authenticated (token expired or revoked, or SMTP AUTH disabled on the mailbox)");
        }
        if (text.contains("SendAsDenied") || text.contains("5.7.60")) {
            return new MailTransportException(Kind.CONFIGURATION, "SmtpSendAsDenied", exchange + ": " + upn + " may not send"
                    + " as the From address; grant SendAs on it (Add-RecipientPermission) or leave 'from' out");
        }
        if (code == 552 || text.contains("5.3.4") || text.contains("5.2.3")) {
            return new MailTransportException(Kind.REJECTED, "SmtpMessageTooLarge", exchange + ": the message is larger than"
                    + " the mailbox's send size limit (35 MB by default)");
        }
        if (text.startsWith("5") && text.contains(" 5.1.")) {
            return new MailTransportException(Kind.REJECTED, "SmtpInvalidRecipients", exchange + ": check the recipients' addresses");
        }
        // 554 5.2.0 (STOREDRV submission errors), 550 and the rest: permanent for this message.
        return new MailTransportException(Kind.REJECTED, "SmtpRejected", exchange + "; sending it again will fail again");
    }

    static MailTransportException connectionLimit(String reply, String upn) {
        return new MailTransportException(Kind.TRANSIENT, "SmtpConcurrentConnectionLimit", "Exchange answered '" + oneLine(reply)
                + "': more than 3 SMTP connections are open for " + upn + " (Exchange's limit per mailbox, counted across all"
                + " instances and other clients of the mailbox); try again later", CONNECTION_LIMIT_RETRY, null);
    }

    /** Opening the session failed before or during STARTTLS (nothing was sent). */
    static MailTransportException connectFailed(MessagingException e, String where) {
        Throwable cause = rootCause(e);
        if (cause instanceof ConnectException || cause instanceof UnknownHostException) {
            return new MailTransportException(Kind.TRANSIENT, "SmtpUnreachable", "the SMTP server " + where + " is unreachable ("
                    + cause.getClass().getSimpleName() + "); the message was not sent", null, e);
        }
        if (cause instanceof SSLException || cause instanceof CertificateException) {
            return new MailTransportException(Kind.CONFIGURATION, "SmtpTlsFailed", "TLS with " + where + " failed ("
                    + cause.getClass().getSimpleName() + ": " + cause.getMessage() + "); check GRAPH_MAILER_SMTP_HOST: the server's"
                    + " certificate must be trusted and name that host. Nothing was sent", null, e);
        }
        if (cause instanceof InterruptedIOException) {
            return new MailTransportException(Kind.TRANSIENT, "SmtpTimeout", "the SMTP server " + where + " did not answer in time"
                    + " while connecting; the message was not sent", null, e);
        }
        String text = String.valueOf(e.getMessage());
        if (text.contains("STARTTLS")) {
            return new MailTransportException(Kind.CONFIGURATION, "SmtpStartTlsUnavailable", "the SMTP server " + where
                    + " does not offer STARTTLS, and graph-mailer never sends in plain text; check GRAPH_MAILER_SMTP_HOST and"
                    + " GRAPH_MAILER_SMTP_PORT (smtp.office365.com:587)", null, e);
        }
        if (text.startsWith("432") || text.contains("4.3.2")) {
            return connectionLimit(text, where);
        }
        return new MailTransportException(Kind.TRANSIENT, "SmtpConnectFailed", "could not open an SMTP session with " + where
                + " (" + oneLine(text) + "); the message was not sent", null, e);
    }

    /** Sending on an open session failed: refused (nothing accepted) or broken off (outcome unknown). */
    static MailTransportException sendFailed(MessagingException e, String upn, String host, String trackingId) {
        if (e instanceof SMTPSendFailedException failed) {
            return sendRefused(failed.getReturnCode(), failed.getMessage(), failed.getCommand(), upn);
        }
        if (e instanceof SMTPSenderFailedException failed) {
            return sendRefused(failed.getReturnCode(), failed.getMessage(), failed.getCommand(), upn);
        }
        if (e instanceof SendFailedException failed) {
            // RCPT TO refused for some address: nothing is sent (partial sends are off).
            for (Exception next = failed.getNextException(); next != null;
                 next = next instanceof MessagingException m ? m.getNextException() : null) {
                if (next instanceof SMTPAddressFailedException address) {
                    MailTransportException translated = sendRefused(address.getReturnCode(), address.getMessage(), "RCPT TO", upn);
                    if (translated.kind() == Kind.REJECTED) {
                        return new MailTransportException(Kind.REJECTED, "SmtpInvalidRecipients", "Exchange refused recipient "
                                + address.getAddress() + " ('" + oneLine(address.getMessage()) + "'); nothing was sent", null, e);
                    }
                    return translated;
                }
            }
            return new MailTransportException(Kind.REJECTED, "SmtpRejected", "Exchange refused the message ("
                    + oneLine(e.getMessage()) + ")", null, e);
        }
        Throwable cause = rootCause(e);
        return new MailTransportException(Kind.OUTCOME_UNKNOWN, cause instanceof InterruptedIOException ? "SmtpTimeout" : "SmtpConnectionLost",
                "the SMTP session with " + host + " broke (" + cause.getClass().getSimpleName() + ") while sending;"
                        + " the message may or may not have been sent (tracking id " + trackingId + ")", null, e);
    }

    /** MAIL FROM refused because the session is not (or no longer) authenticated: nothing was accepted. */
    static boolean isSessionRefused(MessagingException e) {
        int code = returnCode(e);
        String command = e instanceof SMTPSendFailedException f ? f.getCommand()
                : e instanceof SMTPSenderFailedException s ? s.getCommand() : null;
        boolean mailFrom = command != null && command.toUpperCase(Locale.ROOT).startsWith("MAIL FROM");
        return mailFrom && (code == 530 || code == 535 || code == 421 || code == 454);
    }

    static int returnCode(MessagingException e) {
        if (e instanceof SMTPSendFailedException f) {
            return f.getReturnCode();
        }
        if (e instanceof SMTPSenderFailedException s) {
            return s.getReturnCode();
        }
        return -1;
    }

    private static Throwable rootCause(Throwable e) {
        Throwable cause = e;
        while (cause.getCause() != null && cause.getCause() != cause) {
            cause = cause.getCause();
        }
        if (cause == e && e instanceof MessagingException m && m.getNextException() != null) {
            return rootCause(m.getNextException());
        }
        return cause;
    }

    private static String command(String command) {
        if (command.strip().equals(".")) {
            return "the end of DATA";
        }
        int colon = command.indexOf(':');
        return colon < 0 ? command : command.substring(0, colon); // MAIL FROM / RCPT TO, without addresses
    }

    static String oneLine(String reply) {
        if (reply == null) {
            return "(no reply)";
        }
        return reply.strip().replace("\r\n", " / ").replace('\n', ' ');
    }

    /** Audience, roles and expiry of a JWT, read without verification and never the token itself. */
    static String describe(String jwt) {
        try {
            if (jwt == null || jwt.split("\\.").length < 2) {
                return "the token is not a JWT";
            }
            JsonNode payload = JwtClaims.payload(jwt);
            List<String> roles = JwtClaims.roles(jwt);
            String expiry = payload.has("exp") ? Instant.ofEpochSecond(payload.path("exp").asLong()).toString() : "?";
            return "aud " + payload.path("aud").asText("?") + ", roles " + (roles.isEmpty() ? "none" : String.join(" ", roles))
                    + (roles.contains("SMTP.SendAsApp") ? "" : " (SMTP.SendAsApp missing: permission or admin consent)")
                    + ", expires " + expiry;
        } catch (Exception e) {
            return "the token could not be read";
        }
    }
}
