package io.graphmailer.adapter.out.routing;

import io.graphmailer.application.port.out.MailTransport;
import io.graphmailer.domain.Mailbox;
import io.graphmailer.domain.SendMailCommand;

import java.util.Collection;
import java.util.Set;
import java.util.stream.Collectors;

/** Picks the transport per mailbox: the listed mailboxes go through {@code routed}, all others through {@code fallback}. */
public final class RoutingMailTransport implements MailTransport {
    private final Set<String> routedKeys;
    private final MailTransport routed;
    private final MailTransport fallback;

    public RoutingMailTransport(Collection<String> routedMailboxes, MailTransport routed, MailTransport fallback) {
        this.routedKeys = routedMailboxes.stream().map(m -> new Mailbox(m.trim()).key()).collect(Collectors.toUnmodifiableSet());
        this.routed = routed;
        this.fallback = fallback;
    }

    /** The transport {@code mailbox}'s mail goes through. */
    public MailTransport transportFor(Mailbox mailbox) {
        return routedKeys.contains(mailbox.key()) ? routed : fallback;
    }

    @Override
    public void send(SendMailCommand command, String trackingId) {
        transportFor(command.mailbox()).send(command, trackingId);
    }

    @Override
    public String name() {
        return fallback.name() + " (" + routed.name() + " for " + routedKeys.size() + " mailbox" + (routedKeys.size() == 1 ? "" : "es") + ")";
    }
}
