package io.graphmailer.adapter.out.graph;

import io.graphmailer.domain.MailTransportException;
import io.graphmailer.domain.MailTransportException.Kind;

import java.time.Duration;
import java.util.List;

/** Graph's answers in the words of the checklist users know, and who must act on them. */
final class GraphErrors {
    private GraphErrors() {
    }

    static MailTransportException translate(int status, Long retryAfterSeconds, String code, String message,
                                            String mailbox, List<String> tokenRoles) {
        String graph = "Graph answered " + status + (code == null ? "" : " " + code) + (message == null ? "" : ": " + message);
        Duration retryAfter = retryAfterSeconds == null ? null : Duration.ofSeconds(retryAfterSeconds);
        if (status == 429) {
            return new MailTransportException(Kind.TRANSIENT, code == null ? "Throttled" : code, "Microsoft Graph is throttling sends as "
                    + mailbox + " (" + graph + "); try again after the Retry-After delay", retryAfter == null ? Duration.ofSeconds(30) : retryAfter, null);
        }
        if ("ErrorAccessDenied".equals(code) || (status == 403 && !"NoPermissionsInAccessToken".equals(code))) {
            if (!tokenRoles.contains("Mail.Send")) {
                return new MailTransportException(Kind.CONFIGURATION, "MailboxAccessDenied", graph + ". The token carries no Mail.Send role,"
                        + " so Exchange decides: either the Exchange RBAC for Applications assignment ('Application Mail.Send', infra/exchange script)"
                        + " does not cover " + mailbox + ", or (access-policy mode) the Mail.Send application permission lacks admin consent."
                        + " Email/infrastructure team: run Test-ServicePrincipalAuthorization for this mailbox");
            }
            return new MailTransportException(Kind.CONFIGURATION, "MailboxOutOfScope", graph + ". The app holds Mail.Send, but " + mailbox
                    + " is outside its Exchange RBAC management scope or its Application Access Policy. Email team: add the mailbox to the"
                    + " scope (New-ManagementScope / the policy's group) and allow up to an hour for it to apply");
        }
        if ("NoPermissionsInAccessToken".equals(code)) {
            return new MailTransportException(Kind.CONFIGURATION, "ConsentMissing", graph + ". The token has no permissions: grant the"
                    + " Mail.Send application permission and admin consent, or assign Exchange RBAC for Applications (identity team)");
        }
        if ("MailboxNotEnabledForRESTAPI".equals(code)) {
            return new MailTransportException(Kind.CONFIGURATION, code, graph + ". " + mailbox + " has no Exchange Online mailbox Graph can use:"
                    + " it is unlicensed, inactive, soft-deleted or on-premises (email team)");
        }
        if ("ErrorInvalidUser".equals(code) || (status == 404 && code != null && code.contains("User"))) {
            return new MailTransportException(Kind.CONFIGURATION, "MailboxNotFound", graph + ". " + mailbox
                    + " is on GRAPH_MAILER_ALLOWED_SENDERS but does not exist in the tenant");
        }
        if (status == 401) {
            return new MailTransportException(Kind.CONFIGURATION, code == null ? "InvalidAuthenticationToken" : code, graph
                    + ". Graph refused a freshly issued token: check that GRAPH_MAILER_AUTHORITY_HOST and GRAPH_MAILER_GRAPH_BASE_URL"
                    + " belong to the same cloud and that this host's clock is right");
        }
        if ("ErrorInvalidRecipients".equals(code)) {
            return new MailTransportException(Kind.REJECTED, code, graph + ": check the recipients' addresses");
        }
        if (status == 413 || "ErrorMessageSizeExceeded".equals(code)) {
            return new MailTransportException(Kind.REJECTED, code == null ? "RequestEntityTooLarge" : code, graph
                    + ": the message is larger than the mailbox or request allows");
        }
        if (status == 400 || status == 404 || status == 422) {
            return new MailTransportException(Kind.REJECTED, code == null ? "GraphRejected" : code, graph);
        }
        if (status == 503) {
            return new MailTransportException(Kind.TRANSIENT, code == null ? "ServiceUnavailable" : code, graph + "; try again later",
                    retryAfter, null);
        }
        // 500, 502, 504 and anything else: Graph may have accepted the message before failing.
        return new MailTransportException(Kind.OUTCOME_UNKNOWN, code == null ? "GraphServerError" : code, graph
                + "; the message may or may not have been sent", retryAfter, null);
    }
}
