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
 * the configured test message.
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

    /** The same report as text lines, for the command line. */
    public static String text(Diagnosis diagnosis) {
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
