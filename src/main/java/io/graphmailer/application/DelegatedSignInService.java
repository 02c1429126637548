package io.graphmailer.application;

import io.graphmailer.application.port.in.DelegatedSignInUseCase;
import io.graphmailer.application.port.out.DelegatedSignIn;
import io.graphmailer.application.port.out.SignInStore;
import io.graphmailer.domain.DelegatedMailboxes;
import io.graphmailer.domain.DelegatedMailboxes.Delegation;
import io.graphmailer.domain.InvalidMailException;
import io.graphmailer.domain.MailTransportException;
import io.graphmailer.domain.MailTransportException.Kind;
import io.graphmailer.domain.Mailbox;

import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * Signs delegated mailboxes in and out. The mailbox must be one of {@link DelegatedMailboxes}; the sign-in and the store
 * are looked up only then (a deployment without delegated mailboxes builds neither).
 */
public final class DelegatedSignInService implements DelegatedSignInUseCase {
    private final DelegatedMailboxes mailboxes;
    private final Supplier<? extends DelegatedSignIn> signIn;
    private final Supplier<? extends SignInStore> store;

    public DelegatedSignInService(DelegatedMailboxes mailboxes, Supplier<? extends DelegatedSignIn> signIn, Supplier<? extends SignInStore> store) {
        this.mailboxes = mailboxes;
        this.signIn = signIn;
        this.store = store;
    }

    @Override
    public Plan plan(String mailbox) {
        Delegation d = delegation(mailbox);
        return new Plan(d.mailbox(), d.account(), d.shared(), signIn.get().scopes(d.mailbox()));
    }

    @Override
    public SignedIn signIn(String mailbox, Consumer<DelegatedSignIn.Prompt> prompt) {
        Plan plan = plan(mailbox);
        SignInStore.SignInFacts facts = signIn.get().signIn(plan.mailbox(), prompt);
        return new SignedIn(plan, facts, store.get().describe());
    }

    @Override
    public boolean signOut(String mailbox) {
        Delegation d = delegation(mailbox);
        return store.get().delete(d.mailbox());
    }

    @Override
    public String store() {
        return store.get().describe();
    }

    private Delegation delegation(String mailbox) {
        Mailbox m;
        try {
            m = new Mailbox(mailbox == null ? "" : mailbox.trim());
        } catch (InvalidMailException e) {
            throw new MailTransportException(Kind.CONFIGURATION, NOT_DELEGATED, "'" + mailbox + "' is not a mailbox address (UPN) or user object id", null, null);
        }
        if (!mailboxes.inUse()) {
            throw new MailTransportException(Kind.CONFIGURATION, NOT_DELEGATED, "no mailbox is delegated: list " + m
                    + " in GRAPH_MAILER_DELEGATED_MAILBOXES (and GRAPH_MAILER_ALLOWED_SENDERS) before signing in", null, null);
        }
        return mailboxes.delegation(m).orElseThrow(() -> new MailTransportException(Kind.CONFIGURATION, NOT_DELEGATED, m
                + " is not in GRAPH_MAILER_DELEGATED_MAILBOXES (it sends app-only): add it there (and to GRAPH_MAILER_ALLOWED_SENDERS) before signing in",
                null, null));
    }
}
