package io.graphmailer.adapter.in.cli;

import io.graphmailer.application.port.in.DiagnoseUseCase;
import io.graphmailer.domain.DiagnosticCheck;
import io.graphmailer.domain.Diagnosis;
import jakarta.inject.Singleton;

import java.io.PrintStream;
import java.util.List;

/**
 * {@code graph-mailer doctor [--test-send]}: the doctor's report as text lines, and an exit code for scripts
 * (0 when nothing failed, 1 otherwise). The HTTP form is {@code GET /api/doctor}.
 */
@Singleton
public class DoctorCommand {
    public static final String NAME = "doctor";
    static final String TEST_SEND = "--test-send";

    private final DiagnoseUseCase doctor;

    DoctorCommand(DiagnoseUseCase doctor) {
        this.doctor = doctor;
    }

    /** @param options the arguments after {@value #NAME} */
    public int run(List<String> options, PrintStream out) {
        Diagnosis diagnosis = doctor.diagnose(options.contains(TEST_SEND));
        out.print(text(diagnosis));
        return diagnosis.status() == DiagnosticCheck.Status.FAIL ? 1 : 0;
    }

    static String text(Diagnosis diagnosis) {
        StringBuilder sb = new StringBuilder();
        for (DiagnosticCheck c : diagnosis.checks()) {
            sb.append(String.format("%-7s %s: %s%n", c.status(), c.name(), c.detail()));
            if (c.fix() != null && c.status() != DiagnosticCheck.Status.OK) {
                sb.append(String.format("        fix (%s): %s%n", c.owner(), c.fix()));
            }
        }
        sb.append("overall: ").append(diagnosis.status()).append(System.lineSeparator());
        return sb.toString();
    }
}
