package io.graphmailer.domain;

import java.util.List;

/** Everything the doctor found; healthy when nothing failed. */
public record Diagnosis(List<DiagnosticCheck> checks) {
    public Diagnosis {
        checks = List.copyOf(checks);
    }

    public DiagnosticCheck.Status status() {
        if (checks.stream().anyMatch(c -> c.status() == DiagnosticCheck.Status.FAIL)) {
            return DiagnosticCheck.Status.FAIL;
        }
        if (checks.stream().anyMatch(c -> c.status() == DiagnosticCheck.Status.WARN)) {
            return DiagnosticCheck.Status.WARN;
        }
        return DiagnosticCheck.Status.OK;
    }
}
