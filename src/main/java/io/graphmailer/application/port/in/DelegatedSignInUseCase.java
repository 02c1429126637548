package io.graphmailer.application.port.in;

import io.graphmailer.application.port.out.DelegatedSignIn;
import io.graphmailer.application.port.out.SignInStore;
import io.graphmailer.domain.Mailbox;

import java.util.List;
import java.util.function.Consumer;

/**
 * {@code graph-mailer signin <mailbox>} and {@code signout <mailbox>}: an operator signs a delegated mailbox in once
 * (the device code flow) or removes its stored sign-in. Refusals are {@link io.graphmailer.domain.MailTransportException}s
 * whose message says what to do; a mailbox that is not delegated is refused with code {@value #NOT_DELEGATED}.
 */
public interface DelegatedSignInUseCase {
    String NOT_DELEGATED = "NotDelegated";

    /** What the operator is about to do: the mailbox, the account that must sign in, the scopes asked. */
    record Plan(Mailbox mailbox, Mailbox account, boolean shared, List<String> scopes) {
    }

    /** A stored sign-in: the plan it followed, the facts stored, and where. */
    record SignedIn(Plan plan, SignInStore.SignInFacts facts, String store) {
    }

    /** What {@link #signIn} would ask for, without asking: for the first lines the command prints. */
    Plan plan(String mailbox);

    SignedIn signIn(String mailbox, Consumer<DelegatedSignIn.Prompt> prompt);

    /** @return whether a stored sign-in was removed (false: there was none, which is not an error) */
    boolean signOut(String mailbox);

    /** Where sign-ins are kept (a URL), for messages. */
    String store();
}
