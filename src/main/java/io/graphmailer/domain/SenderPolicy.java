package io.graphmailer.domain;

import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Who may be sent as: the allowlist of mailboxes, and for each the other allowed mailboxes it may name as sender
 * (shared mailboxes with Send As / Send on behalf). Every trigger goes through {@link #authorize}: the path mailbox
 * must be allowed, and every address that says who sends (from, sender, Resent-*) must be that mailbox or one it may
 * send as. Mailboxes are compared by {@link Mailbox#key()} and sent under the allowlist's spelling, never the
 * caller's (docs/adr/0006-sender-rule.md).
 */
public final class SenderPolicy {
    private final Map<String, Mailbox> allowed;
    private final Map<String, Set<String>> sendAs;

    public SenderPolicy(Collection<String> allowedMailboxes) {
        this(allowedMailboxes, Map.of());
    }

    /**
     * @param sendAs for a mailbox (any spelling), the other mailboxes it may name in from/sender; each must be allowed
     * @throws IllegalArgumentException when a send-as entry names a mailbox that is not allowed
     */
    public SenderPolicy(Collection<String> allowedMailboxes, Map<String, ? extends Collection<String>> sendAs) {
        Map<String, Mailbox> byKey = new LinkedHashMap<>();
        for (String s : allowedMailboxes) {
            Mailbox m = new Mailbox(s.trim());
            byKey.putIfAbsent(m.key(), m);
        }
        this.allowed = java.util.Collections.unmodifiableMap(byKey);
        Map<String, Set<String>> as = new HashMap<>();
        sendAs.forEach((mailbox, others) -> {
            String key = requireListed(mailbox);
            Set<String> keys = as.computeIfAbsent(key, k -> new HashSet<>());
            others.forEach(o -> keys.add(requireListed(o)));
        });
        as.replaceAll((k, v) -> Set.copyOf(v));
        this.sendAs = Map.copyOf(as);
    }

    private String requireListed(String mailbox) {
        String key = new Mailbox(mailbox.trim()).key();
        if (!allowed.containsKey(key)) {
            throw new IllegalArgumentException("'" + mailbox.trim() + "' is not an allowed sender");
        }
        return key;
    }

    /** @return the mailbox as allowlisted (its spelling is what is sent as); throws {@link SenderNotAllowedException} */
    public Mailbox requireAllowed(Mailbox mailbox) {
        Mailbox listed = allowed.get(mailbox.key());
        if (listed == null) {
            throw new SenderNotAllowedException(mailbox);
        }
        return listed;
    }

    /**
     * Checks the mailbox and every sender address of the command.
     *
     * @return the command as it is sent: the mailbox, and JSON from/sender naming allowed mailboxes, under the
     *         allowlist's spelling (the MIME form is passed on unchanged)
     * @throws SenderNotAllowedException naming the first field at fault
     */
    public SendMailCommand authorize(SendMailCommand command) {
        Mailbox mailbox = requireAllowed(command.mailbox());
        Set<String> mayName = sendAs.getOrDefault(mailbox.key(), Set.of());
        for (SenderAddress s : command.content().senderAddresses()) {
            String key = s.address().key();
            if (!key.equals(mailbox.key()) && !mayName.contains(key)) {
                throw new SenderNotAllowedException(s.field(), s.field() + " '" + s.address().address() + "' is not a mailbox '"
                        + mailbox + "' may send as: leave it out (the mail is sent as the mailbox itself), or ask the graph-mailer"
                        + " operators to list it for this mailbox in GRAPH_MAILER_SEND_AS");
            }
        }
        SendMailCommand named = command.mailbox().id().equals(mailbox.id()) ? command : command.withMailbox(mailbox);
        if (named.content() instanceof EmailMessage m && (m.from() != null || m.sender() != null)) {
            return named.withContent(m.withSenders(spelling(m.from()), spelling(m.sender())));
        }
        return named;
    }

    private EmailAddress spelling(EmailAddress a) {
        return a == null ? null : a.withAddress(allowed.get(a.key()).id());
    }

    /** The allowlisted mailboxes, in their configured spelling. */
    public List<Mailbox> mailboxes() {
        return List.copyOf(allowed.values());
    }

    /** The allowlist's keys ({@link Mailbox#key()}). */
    public Set<String> allowed() {
        return allowed.keySet();
    }
}
