package io.graphmailer.adapter.out.routing;

import io.graphmailer.application.port.out.MailTransport;
import io.graphmailer.domain.Mailbox;
import io.graphmailer.domain.SendMailCommand;
import io.graphmailer.domain.SendReceipt;
import io.graphmailer.domain.SmtpMailboxes;

/** Picks the transport per mailbox: the SMTP mailboxes go through {@code smtp}, all others through {@code fallback}. */
public final class RoutingMailTransport implements MailTransport {
    private final SmtpMailboxes smtpMailboxes;
    private final MailTransport smtp;
    private final MailTransport fallback;

    public RoutingMailTransport(SmtpMailboxes smtpMailboxes, MailTransport smtp, MailTransport fallback) {
        this.smtpMailboxes = smtpMailboxes;
        this.smtp = smtp;
        this.fallback = fallback;
    }

    /** The transport {@code mailbox}'s mail goes through. */
    public MailTransport transportFor(Mailbox mailbox) {
        return smtpMailboxes.routesToSmtp(mailbox) ? smtp : fallback;
    }

    @Override
    public void send(SendMailCommand command, String trackingId) {
        transportFor(command.mailbox()).send(command, trackingId);
    }

    @Override
    public SendReceipt deliver(SendMailCommand command, String trackingId) {
        return transportFor(command.mailbox()).deliver(command, trackingId);
    }

    @Override
    public String name() {
        int n = smtpMailboxes.size();
        return fallback.name() + " (" + smtp.name() + " for " + n + " mailbox" + (n == 1 ? "" : "es") + ")";
    }
}
