package io.graphmailer;

import io.graphmailer.adapter.in.http.DoctorResource;

import io.graphmailer.application.port.in.DiagnoseUseCase;
import io.graphmailer.domain.DiagnosticCheck;
import io.graphmailer.domain.Diagnosis;
import io.quarkus.runtime.Quarkus;
import io.quarkus.runtime.QuarkusApplication;
import io.quarkus.runtime.annotations.QuarkusMain;
import jakarta.inject.Inject;

import java.util.Arrays;

/**
 * Runs the server, or with the argument {@code doctor} (and optionally {@code --test-send}) prints the
 * doctor's report and exits: 0 when nothing failed, 1 otherwise.
 */
@QuarkusMain
public class GraphMailerMain implements QuarkusApplication {
    @Inject
    DiagnoseUseCase doctor;

    @Override
    public int run(String... args) {
        if (args.length > 0 && "doctor".equals(args[0])) {
            Diagnosis diagnosis = doctor.diagnose(Arrays.asList(args).contains("--test-send"));
            System.out.print(DoctorResource.text(diagnosis));
            return diagnosis.status() == DiagnosticCheck.Status.FAIL ? 1 : 0;
        }
        Quarkus.waitForExit();
        return 0;
    }
}
