package io.graphmailer.application.port.out;

import io.graphmailer.domain.Mailbox;

import java.time.Instant;
import java.util.List;
import java.util.function.Consumer;

/**
 * The interactive sign-in of a delegated mailbox on the operator's machine (the identity platform's device code flow):
 * shows the operator a code, waits until the mailbox's account has entered it, checks that the right account signed in
 * and stores the result in the {@link SignInStore}, replacing any earlier sign-in. Nothing about tokens leaves it.
 */
public interface DelegatedSignIn {

    /** What the operator is shown: the code, where to enter it, until when, and the identity platform's own sentence. */
    record Prompt(String userCode, String verificationUri, Instant expiresAt, String message) {
    }

    /** The delegated scopes the mailbox signs in for (one resource; {@code offline_access} is added by the flow). */
    List<String> scopes(Mailbox mailbox);

    /**
     * Runs the sign-in; {@code prompt} shows the code. Returns the stored sign-in's facts.
     *
     * @throws io.graphmailer.domain.MailTransportException when it was declined, expired, refused, or another account signed in
     *                                                      (then nothing is stored)
     */
    SignInStore.SignInFacts signIn(Mailbox mailbox, Consumer<Prompt> prompt);
}
