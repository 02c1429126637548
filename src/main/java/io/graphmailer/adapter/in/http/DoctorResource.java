package io.graphmailer.adapter.in.http;

import io.graphmailer.application.port.in.DiagnoseUseCase;
import io.graphmailer.domain.DiagnosticCheck;
import io.graphmailer.domain.Diagnosis;
import io.smallrye.common.annotation.Blocking;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

import java.util.Locale;
import java.util.Map;

/**
 * {@code GET /api/doctor}: checks the deployment without sending mail (behind caller authentication).
 * 200 when nothing failed, 503 otherwise, so a monitor can poll it; {@code ?testSend=true} also sends
 * the configured test message. The command-line form is {@code adapter/in/cli/DoctorCommand}.
 */
@Path("/api/doctor")
public class DoctorResource {
    private final DiagnoseUseCase doctor;

    public DoctorResource(DiagnoseUseCase doctor) {
        this.doctor = doctor;
    }

    @GET
    @Blocking
    public Response diagnose(@QueryParam("testSend") boolean testSend) {
        Diagnosis diagnosis = doctor.diagnose(testSend);
        return Response.status(diagnosis.status() == DiagnosticCheck.Status.FAIL ? 503 : 200)
                .type(MediaType.APPLICATION_JSON)
                .entity(Map.of("status", diagnosis.status().name().toLowerCase(Locale.ROOT), "checks", diagnosis.checks()))
                .build();
    }
}
