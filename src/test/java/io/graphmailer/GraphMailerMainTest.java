package io.graphmailer;

import io.quarkus.test.junit.main.Launch;
import io.quarkus.test.junit.main.LaunchResult;
import io.quarkus.test.junit.main.QuarkusMainTest;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** `graph-mailer doctor` on the command line: the report on stdout, the exit code for scripts. */
@QuarkusMainTest
class GraphMailerMainTest {

    @Test
    @Launch(value = "doctor", exitCode = 0)
    void givenTheDoctorArgument_thenTheReportIsPrintedAndTheExitCodeSaysHealthy(LaunchResult result) {
        assertThat(result.getOutput()).contains("OK      settings coherent").contains("overall: OK");
    }
}
