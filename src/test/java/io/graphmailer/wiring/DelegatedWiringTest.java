package io.graphmailer.wiring;

import io.graphmailer.adapter.in.cli.SignInCommand;
import io.graphmailer.application.port.in.DiagnoseUseCase;
import io.graphmailer.domain.DiagnosticCheck;
import io.graphmailer.standin.Standins;
import io.graphmailer.support.DelegatedStandinsResource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The delegated operator side as the app wires it (CDI producers, the adapters on AzureClients): the stand-ins'
 * mailbox is delegated; the doctor has its row, the signin command signs it in through the identity stand-in and the
 * token store on Azurite with the Key Vault stand-in's key, signout removes it.
 */
@QuarkusTest
@QuarkusTestResource(value = DelegatedStandinsResource.class, restrictToAnnotatedClass = true)
class DelegatedWiringTest {
    @Inject
    DiagnoseUseCase doctor;

    @Inject
    SignInCommand signIn;

    private DiagnosticCheck row(String mailbox) {
        return doctor.diagnose(false).checks().stream().filter(c -> c.name().equals("delegated sign-in of " + mailbox)).findFirst()
                .orElseThrow(() -> new AssertionError("no doctor row for " + mailbox));
    }

    @Test
    void givenTheWiredApp_thenTheDoctorRowFollowsSigninAndSignout() {
        Standins s = Standins.shared();
        String mailbox = s.mailbox();
        assertThat(row(mailbox).status()).isEqualTo(DiagnosticCheck.Status.FAIL);
        assertThat(row(mailbox).fix()).isEqualTo("run graph-mailer signin " + mailbox);

        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        PrintStream terminal = new PrintStream(bytes, true, StandardCharsets.UTF_8) {
            @Override
            public void println(String line) {
                super.println(line);
                Matcher code = Pattern.compile("enter the code (\\S+)").matcher(line);
                if (code.find()) {
                    assertThat(s.identity().delegated().approve(code.group(1), mailbox)).isTrue();
                }
            }
        };
        assertThat(signIn.signIn(List.of(mailbox), terminal)).as(bytes.toString(StandardCharsets.UTF_8)).isZero();

        DiagnosticCheck signedIn = row(mailbox);
        assertThat(signedIn.status()).isEqualTo(DiagnosticCheck.Status.OK);
        assertThat(signedIn.detail()).contains("signed in as " + mailbox).contains("last refresh 0 days ago");

        assertThat(signIn.signOut(List.of(mailbox), terminal)).isZero();
        assertThat(row(mailbox).status()).isEqualTo(DiagnosticCheck.Status.FAIL);
    }
}
