package io.graphmailer.adapter.out.smtp;

import com.fasterxml.jackson.databind.JsonNode;
import io.graphmailer.adapter.out.identity.JwtClaims;
import io.graphmailer.domain.MailTransportException;
import io.graphmailer.domain.MailTransportException.Kind;

import java.time.Duration;
import java.time.Instant;
import java.util.List;

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
