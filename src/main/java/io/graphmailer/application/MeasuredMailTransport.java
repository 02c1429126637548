package io.graphmailer.application;

import io.graphmailer.application.port.out.MailTransport;
import io.graphmailer.application.port.out.Telemetry;
import io.graphmailer.domain.MailTransportException;
import io.graphmailer.domain.SendMailCommand;

import java.util.Locale;

/** The transport every use case calls, with a span and the send metrics around each send (HTTP and queue alike). */
public final class MeasuredMailTransport implements MailTransport {
    private final MailTransport transport;
    private final Telemetry telemetry;

    public MeasuredMailTransport(MailTransport transport, Telemetry telemetry) {
        this.transport = transport;
        this.telemetry = telemetry;
    }

    @Override
    public void send(SendMailCommand command, String trackingId) {
        deliver(command, trackingId);
    }

    /** The wrapped transport's receipt, Graph's request id included (the delivery log keeps it). */
    @Override
    public io.graphmailer.domain.SendReceipt deliver(SendMailCommand command, String trackingId) {
        String mailbox = command.mailbox().key();
        try (Telemetry.Send send = telemetry.send(trackingId, mailbox, transport.name())) {
            try {
                io.graphmailer.domain.SendReceipt receipt = transport.deliver(command, trackingId);
                send.outcome("sent", "");
                return receipt;
            } catch (MailTransportException e) {
                send.outcome(e.kind().name().toLowerCase(Locale.ROOT).replace("outcome_", ""), e.code());
                if (e.kind() == MailTransportException.Kind.TRANSIENT && e.retryAfter() != null) {
                    telemetry.throttled(mailbox, e.retryAfter());
                }
                throw e;
            } catch (RuntimeException e) {
                send.outcome("error", e.getClass().getSimpleName());
                throw e;
            }
        }
    }

    @Override
    public String name() {
        return transport.name();
    }
}
