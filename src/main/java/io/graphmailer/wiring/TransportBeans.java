package io.graphmailer.wiring;

import io.graphmailer.adapter.out.graph.GraphMailSender;
import io.graphmailer.adapter.out.graph.GraphSentItemsWriter;
import io.graphmailer.adapter.out.outbox.OutboxMailTransport;
import io.graphmailer.adapter.out.routing.RoutingMailTransport;
import io.graphmailer.adapter.out.smtp.SentItemsCopy;
import io.graphmailer.adapter.out.smtp.SmtpMailSender;
import io.graphmailer.application.port.out.MailTransport;
import io.graphmailer.config.GraphMailerConfig;
import io.graphmailer.domain.SmtpMailboxes;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Instance;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;

import java.util.List;

/** The one {@link MailTransport}: Graph or the outbox by {@code graph-mailer.transport}, the SMTP mailboxes routed to SMTP. */
@ApplicationScoped
public class TransportBeans {

    /** Read once from {@code graph-mailer.smtp.mailboxes}; the transport, the settings check and the doctor ask it. */
    @Produces
    @Singleton
    SmtpMailboxes smtpMailboxes(GraphMailerConfig config) {
        return SmtpMailboxes.of(config.smtp().mailboxes().orElse(List.of()));
    }

    /** Only the chosen transport is built; SMTP only when a mailbox is on it. */
    @Produces
    @Singleton
    MailTransport mailTransport(GraphMailerConfig config, SmtpMailboxes smtpMailboxes, Instance<OutboxMailTransport> outbox,
                                Instance<GraphMailSender> graph, Instance<SmtpMailSender> smtp, io.graphmailer.application.port.out.Telemetry telemetry) {
        MailTransport transport = switch (config.transport()) {
            case OUTBOX -> outbox.get();
            case GRAPH -> graph.get();
        };
        MailTransport chosen = smtpMailboxes.inUse() ? new RoutingMailTransport(smtpMailboxes, smtp.get(), transport) : transport;
        return new io.graphmailer.application.MeasuredMailTransport(chosen, telemetry);
    }

    /** The Graph copy of SMTP-sent mail in Sent Items; SmtpMailSender asks for it only when save-to-sent-items is on. */
    @Produces
    @Singleton
    SentItemsCopy sentItemsCopy(GraphSentItemsWriter writer) {
        return writer::save;
    }
}
