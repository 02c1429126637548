package io.graphmailer.domain;

import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The mailboxes that send with a signed-in account's delegated token ({@code graph-mailer.delegated.mailboxes}); every
 * other allowed mailbox stays app-only. The one place that answers "is this mailbox delegated, and who signs in for it":
 * the transports, the token store, the sign-in command, the keep-alive and the doctor all ask it.
 * <p>
 * An entry is {@code mailbox} (the mailbox's own account signs in; Graph {@code /me/sendMail}) or
 * {@code mailbox:account} (a shared mailbox sent as by {@code account}, which has Send As on it; Graph
 * {@code /users/{mailbox}/sendMail} with {@code Mail.Send.Shared}). Mailboxes are compared by {@link Mailbox#key()}.
 */
public final class DelegatedMailboxes {
    public static final DelegatedMailboxes NONE = new DelegatedMailboxes(List.of());

    /** One delegated mailbox and the account that signs in for it (the mailbox itself unless shared). */
    public record Delegation(Mailbox mailbox, Mailbox account) {
        /** Whether the mailbox is a shared mailbox sent as by another signed-in account. */
        public boolean shared() {
            return !mailbox.key().equals(account.key());
        }
    }

    private final Map<String, Delegation> byKey;

    private DelegatedMailboxes(List<Delegation> delegations) {
        Map<String, Delegation> m = new LinkedHashMap<>();
        delegations.forEach(d -> m.putIfAbsent(d.mailbox().key(), d));
        this.byKey = java.util.Collections.unmodifiableMap(m);
    }

    /** @throws InvalidMailException when an entry names no mailbox (the settings check names the entry first) */
    public static DelegatedMailboxes of(Collection<String> configured) {
        List<Delegation> list = new ArrayList<>();
        for (String entry : configured) {
            if (entry == null || entry.isBlank()) {
                continue;
            }
            String[] parts = entry.trim().split(":", -1);
            if (parts.length > 2) {
                throw new InvalidMailException("delegated.mailboxes", "an entry is mailbox or mailbox:account");
            }
            Mailbox mailbox = new Mailbox(parts[0].trim());
            Mailbox account = parts.length == 2 ? new Mailbox(parts[1].trim()) : mailbox;
            list.add(new Delegation(mailbox, account));
        }
        return list.isEmpty() ? NONE : new DelegatedMailboxes(list);
    }

    public boolean isDelegated(Mailbox mailbox) {
        return byKey.containsKey(mailbox.key());
    }

    public Optional<Delegation> delegation(Mailbox mailbox) {
        return Optional.ofNullable(byKey.get(mailbox.key()));
    }

    /** Whether any mailbox is delegated (then the public client, the token store and the keep-alive are needed). */
    public boolean inUse() {
        return !byKey.isEmpty();
    }

    /** Distinct delegated mailboxes, in configured order. */
    public List<Delegation> delegations() {
        return List.copyOf(byKey.values());
    }
}
