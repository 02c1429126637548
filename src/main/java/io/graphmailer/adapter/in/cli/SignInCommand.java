package io.graphmailer.adapter.in.cli;

import io.graphmailer.application.port.in.DelegatedSignInUseCase;
import io.graphmailer.domain.MailTransportException;
import jakarta.inject.Singleton;

import java.io.PrintStream;
import java.time.temporal.ChronoUnit;
import java.util.List;

/**
 * {@code graph-mailer signin <mailbox>} and {@code graph-mailer signout <mailbox>} (README "Delegated mode"): the
 * operator's side of a delegated mailbox. signin shows the identity platform's code and URL, waits while the mailbox's
 * account enters it, and stores the sign-in; signout removes it. Nothing about tokens is printed.
 * <p>
 * Exit codes: {@value #OK} done (signout with nothing stored too); {@value #REFUSED} the sign-in did not happen
 * (declined, code expired, another account signed in, the identity platform refused); {@value #USAGE} no or bad mailbox,
 * or a mailbox that is not delegated; {@value #UNAVAILABLE} the token store, Key Vault or the identity platform could
 * not be reached or denied graph-mailer's own access.
 */
@Singleton
public class SignInCommand {
    public static final String SIGN_IN = "signin";
    public static final String SIGN_OUT = "signout";
    static final int OK = 0;
    static final int REFUSED = 1;
    static final int USAGE = 2;
    static final int UNAVAILABLE = 3;
    /** The refusals of the sign-in itself (the rest are the store's, Key Vault's or the network's). */
    private static final List<String> SIGN_IN_REFUSALS = List.of("SignInFailed", "WrongAccount");

    private final DelegatedSignInUseCase signIns;

    SignInCommand(DelegatedSignInUseCase signIns) {
        this.signIns = signIns;
    }

    /** @param options the arguments after {@value #SIGN_IN}: the mailbox */
    public int signIn(List<String> options, PrintStream out) {
        if (options.size() != 1) {
            out.println("usage: graph-mailer signin <mailbox>   (a mailbox of GRAPH_MAILER_DELEGATED_MAILBOXES)");
            return USAGE;
        }
        try {
            DelegatedSignInUseCase.Plan plan = signIns.plan(options.get(0));
            out.println("signin " + plan.mailbox() + ": sign in as " + plan.account() + " for " + String.join(" ", plan.scopes()) + " offline_access");
            DelegatedSignInUseCase.SignedIn done = signIns.signIn(options.get(0), prompt -> {
                out.println(prompt.message());
                out.println("(the code expires at " + prompt.expiresAt().truncatedTo(ChronoUnit.SECONDS) + "; waiting for the sign-in)");
                out.flush();
            });
            out.println("signed in: " + plan.mailbox() + " as " + done.facts().account() + ", scopes " + String.join(" ", done.facts().scopes())
                    + "; stored encrypted in " + done.store());
            if (plan.shared()) {
                out.println("note: sign-in proves only who signed in. Whether " + plan.account() + " has Send As on " + plan.mailbox()
                        + " is proven at the first send (ErrorSendAsDenied names the Exchange command that grants it).");
            }
            out.println("graph-mailer keeps it alive on its timer; run graph-mailer doctor to see it.");
            return OK;
        } catch (MailTransportException e) {
            out.println("signin: " + e.getMessage());
            return exitCode(e);
        }
    }

    /** @param options the arguments after {@value #SIGN_OUT}: the mailbox */
    public int signOut(List<String> options, PrintStream out) {
        if (options.size() != 1) {
            out.println("usage: graph-mailer signout <mailbox>   (a mailbox of GRAPH_MAILER_DELEGATED_MAILBOXES)");
            return USAGE;
        }
        try {
            boolean removed = signIns.signOut(options.get(0));
            String mailbox = options.get(0).trim();
            out.println(removed ? "signed out: the stored sign-in of " + mailbox + " was removed from " + signIns.store()
                    + "; its mail waits for graph-mailer signin " + mailbox
                    : "signout: no sign-in of " + mailbox + " was stored in " + signIns.store() + "; nothing to remove");
            return OK;
        } catch (MailTransportException e) {
            out.println("signout: " + e.getMessage());
            return exitCode(e);
        }
    }

    private static int exitCode(MailTransportException e) {
        if (DelegatedSignInUseCase.NOT_DELEGATED.equals(e.code())) {
            return USAGE;
        }
        return SIGN_IN_REFUSALS.contains(e.code()) ? REFUSED : UNAVAILABLE;
    }
}
