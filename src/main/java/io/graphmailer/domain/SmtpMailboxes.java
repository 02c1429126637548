package io.graphmailer.domain;

import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * The mailboxes whose mail goes by SMTP AUTH XOAUTH2 instead of the configured transport
 * ({@code graph-mailer.smtp.mailboxes}). The one place that decides "is this mailbox on SMTP" and "is SMTP in use":
 * the transport, the settings check and the doctor all ask it, and it compares mailboxes only by {@link Mailbox#key()}.
 */
public final class SmtpMailboxes {
    public static final SmtpMailboxes NONE = new SmtpMailboxes(List.of());

    private final List<Mailbox> mailboxes;
    private final Set<String> keys;

    private SmtpMailboxes(List<Mailbox> mailboxes) {
        this.mailboxes = List.copyOf(mailboxes);
        Set<String> k = new LinkedHashSet<>();
        mailboxes.forEach(m -> k.add(m.key()));
        this.keys = Set.copyOf(k);
    }

    /** @throws InvalidMailException when an entry is neither an address nor an object id (the settings check names it first) */
    public static SmtpMailboxes of(Collection<String> configured) {
        List<Mailbox> list = new ArrayList<>();
        for (String entry : configured) {
            if (entry != null && !entry.isBlank()) {
                list.add(new Mailbox(entry.trim()));
            }
        }
        return list.isEmpty() ? NONE : new SmtpMailboxes(list);
    }

    public boolean routesToSmtp(Mailbox mailbox) {
        return keys.contains(mailbox.key());
    }

    /** Whether any mailbox sends by SMTP (then the SMTP token, connection pool and probes are needed). */
    public boolean inUse() {
        return !keys.isEmpty();
    }

    /** Distinct mailboxes (two spellings of one mailbox count once). */
    public int size() {
        return keys.size();
    }

    /** As configured, in order. */
    public List<Mailbox> mailboxes() {
        return mailboxes;
    }
}
