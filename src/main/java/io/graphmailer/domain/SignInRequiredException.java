package io.graphmailer.domain;

/**
 * A delegated mailbox cannot get a token until someone signs in again (or fixes what the sign-in lacks): the refresh
 * token expired or was revoked, MFA or Conditional Access now asks for more, consent was withdrawn, Send As is missing,
 * or nobody signed in yet. The message names the mailbox, the cause and the exact command to run; queued mail for the
 * mailbox waits for it (up to {@code GRAPH_MAILER_DELEGATED_SIGN_IN_WAIT}) instead of being dead-lettered.
 */
public final class SignInRequiredException extends MailTransportException {
    private final Mailbox mailbox;
    private final String command;

    public SignInRequiredException(Mailbox mailbox, String code, String cause, String command, Throwable source) {
        super(Kind.CONFIGURATION, code, "delegated mailbox " + mailbox + ": " + cause + ". Run: " + command, null, source);
        this.mailbox = mailbox;
        this.command = command;
    }

    /** {@code graph-mailer signin <mailbox>}: what an operator runs to sign the mailbox in again. */
    public static String signInCommand(Mailbox mailbox) {
        return "graph-mailer signin " + mailbox.id();
    }

    public Mailbox mailbox() {
        return mailbox;
    }

    public String command() {
        return command;
    }
}
