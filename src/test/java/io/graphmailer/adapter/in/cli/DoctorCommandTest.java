package io.graphmailer.adapter.in.cli;

import io.graphmailer.domain.DiagnosticCheck;
import io.graphmailer.domain.Diagnosis;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** `graph-mailer doctor` without the application: the report lines, the exit code, the test-send option. */
class DoctorCommandTest {
    private final List<Boolean> asked = new ArrayList<>();

    @Test
    void givenAFailedCheck_thenItsFixIsPrintedAndTheExitCodeIs1() {
        DoctorCommand command = new DoctorCommand(testSend -> {
            asked.add(testSend);
            return new Diagnosis(List.of(DiagnosticCheck.ok("settings coherent", "3 senders"),
                    DiagnosticCheck.fail("token", "AADSTS700027", "upload the certificate", "Entra ID admin")));
        });
        ByteArrayOutputStream out = new ByteArrayOutputStream();

        int exit = command.run(List.of(), new PrintStream(out, true, StandardCharsets.UTF_8));

        assertThat(exit).isEqualTo(1);
        assertThat(asked).containsExactly(false);
        assertThat(out.toString(StandardCharsets.UTF_8)).isEqualTo(String.join(System.lineSeparator(),
                "OK      settings coherent: 3 senders",
                "FAIL    token: AADSTS700027",
                "        fix (Entra ID admin): upload the certificate",
                "overall: FAIL", ""));
    }

    @Test
    void givenTestSend_thenTheDoctorIsAskedToSendAndAHealthyReportExits0() {
        DoctorCommand command = new DoctorCommand(testSend -> {
            asked.add(testSend);
            return new Diagnosis(List.of(DiagnosticCheck.ok("settings coherent", "fine")));
        });

        int exit = command.run(List.of("--test-send"), new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8));

        assertThat(exit).isZero();
        assertThat(asked).containsExactly(true);
    }
}
