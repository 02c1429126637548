package io.graphmailer.application;

import io.graphmailer.application.port.in.DiagnoseUseCase;
import io.graphmailer.application.port.in.SendMailUseCase;
import io.graphmailer.application.port.out.DiagnosticProbe;
import io.graphmailer.domain.DiagnosticCheck;
import io.graphmailer.domain.Diagnosis;
import io.graphmailer.domain.MailTransportException;
import io.graphmailer.domain.SendMailCommand;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;

/** Runs every probe; a probe that breaks is itself a failed check, never a crashed doctor. */
public class DoctorService implements DiagnoseUseCase {
    private final List<DiagnosticProbe> probes;
    private final SendMailUseCase sendMail;
    /** Test messages to send when asked: one per allowed mailbox, or none when no test recipient is configured. */
    private final Supplier<List<SendMailCommand>> testMessages;

    public DoctorService(List<DiagnosticProbe> probes, SendMailUseCase sendMail, Supplier<List<SendMailCommand>> testMessages) {
        this.probes = List.copyOf(probes);
        this.sendMail = sendMail;
        this.testMessages = testMessages;
    }

    @Override
    public Diagnosis diagnose(boolean testSend) {
        List<DiagnosticCheck> checks = new ArrayList<>();
        for (DiagnosticProbe probe : probes) {
            try {
                checks.addAll(probe.run());
            } catch (RuntimeException e) {
                checks.add(DiagnosticCheck.fail(probe.area(), "the check itself failed: " + e.getClass().getSimpleName()
                        + (e.getMessage() == null ? "" : ": " + e.getMessage()), "report this to the app team", "app team"));
            }
        }
        if (testSend) {
            List<SendMailCommand> messages = testMessages.get();
            if (messages.isEmpty()) {
                checks.add(DiagnosticCheck.skipped("test send", "no test recipient configured (GRAPH_MAILER_DOCTOR_TEST_RECIPIENT)"));
            }
            for (SendMailCommand message : messages) {
                String name = "test send as " + message.mailbox();
                try {
                    String id = sendMail.send(message, null).trackingId();
                    checks.add(DiagnosticCheck.ok(name, "accepted, tracking id " + id + "; check the recipient's inbox"));
                } catch (MailTransportException e) {
                    checks.add(DiagnosticCheck.fail(name, e.code() + ": " + e.getMessage(), "see the detail", "app team"));
                }
            }
        }
        return new Diagnosis(checks);
    }
}
