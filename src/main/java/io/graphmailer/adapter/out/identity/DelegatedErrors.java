package io.graphmailer.adapter.out.identity;

import com.microsoft.aad.msal4j.MsalException;
import com.microsoft.aad.msal4j.MsalServiceException;
import io.graphmailer.domain.MailTransportException;
import io.graphmailer.domain.MailTransportException.Kind;
import io.graphmailer.domain.Mailbox;
import io.graphmailer.domain.SignInRequiredException;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** The identity platform's refusals of a delegated refresh, in the operator's words: the mailbox, the cause, the command. */
final class DelegatedErrors {
    private static final Pattern AADSTS = Pattern.compile("AADSTS(\\d+)");

    private DelegatedErrors() {
    }

    /** The AADSTS code in an identity platform error, or empty. */
    static String aadsts(Throwable e) {
        Matcher m = AADSTS.matcher(String.valueOf(e.getMessage()));
        return m.find() ? m.group(1) : "";
    }

    static boolean grantAlreadyRedeemed(MsalException e) {
        return "70000".equals(aadsts(e)) || ("invalid_grant".equals(e.errorCode()) && aadsts(e).isEmpty());
    }

    static MailTransportException translate(Mailbox mailbox, Mailbox account, MsalException e) {
        String command = SignInRequiredException.signInCommand(mailbox);
        String code = aadsts(e);
        String as = account.key().equals(mailbox.key()) ? "" : " (signed in as " + account + ")";
        String cause = switch (code) {
            case "700082" -> "the refresh token expired after going unused past the inactivity limit (AADSTS700082)" + as
                    + "; the keep-alive timer did not reach it in time";
            case "50173" -> "the refresh token was revoked (AADSTS50173): the account's password was changed or reset, or its sessions were revoked" + as;
            case "50076" -> "multi-factor authentication is now required (AADSTS50076)" + as + "; sign in again and complete MFA";
            case "50079" -> "the account must now enrol in multi-factor authentication (AADSTS50079)" + as + "; enrol, then sign in again";
            case "53003" -> "Conditional Access blocked the token (AADSTS53003)" + as
                    + "; sign in again from a device and location the policy allows, or ask the identity team to exclude the account";
            case "65001" -> "consent to graph-mailer's delegated permissions was withdrawn (AADSTS65001)" + as + "; sign in again and consent";
            default -> null;
        };
        if (cause == null && ("interaction_required".equals(e.errorCode()) || e instanceof com.microsoft.aad.msal4j.MsalInteractionRequiredException)) {
            cause = "the identity platform asks for an interactive sign-in (interaction_required" + (code.isEmpty() ? "" : ", AADSTS" + code) + ")" + as;
        }
        if (cause == null && e instanceof MsalServiceException s && "invalid_grant".equals(s.errorCode())) {
            cause = "the identity platform refused the stored refresh token (invalid_grant" + (code.isEmpty() ? "" : ", AADSTS" + code) + ")" + as;
        }
        if (cause != null) {
            return new SignInRequiredException(mailbox, code.isEmpty() ? "SignInRequired" : "AADSTS" + code, cause, command, null);
        }
        if (e instanceof MsalServiceException s && s.statusCode() != null && (s.statusCode() >= 500 || s.statusCode() == 429)) {
            return new MailTransportException(Kind.TRANSIENT, "IdentityPlatformBusy", "the identity platform answered " + s.statusCode()
                    + " refreshing the token of delegated mailbox " + mailbox, null, null);
        }
        return new MailTransportException(Kind.TRANSIENT, "IdentityPlatformUnreachable", "no delegated token for " + mailbox + " ("
                + e.errorCode() + (code.isEmpty() ? "" : ", AADSTS" + code) + ")", null, null);
    }

    static SignInRequiredException notSignedIn(Mailbox mailbox, Mailbox account, String store) {
        return new SignInRequiredException(mailbox, "NotSignedIn", "no sign-in is stored in " + store
                + (account.key().equals(mailbox.key()) ? "" : " (the account that signs in is " + account + ")"),
                SignInRequiredException.signInCommand(mailbox), null);
    }
}
