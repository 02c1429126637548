package io.graphmailer.domain;

import java.util.Collection;
import java.util.Set;
import java.util.stream.Collectors;

/** The allowlist of mailboxes this deployment may send as. */
public final class SenderPolicy {
    private final Set<String> allowed;

    public SenderPolicy(Collection<String> allowedMailboxes) {
        this.allowed = allowedMailboxes.stream().map(s -> new Mailbox(s.trim()).key()).collect(Collectors.toUnmodifiableSet());
    }

    public void requireAllowed(Mailbox mailbox) {
        if (!allowed.contains(mailbox.key())) {
            throw new SenderNotAllowedException(mailbox);
        }
    }

    public Set<String> allowed() {
        return allowed;
    }
}
