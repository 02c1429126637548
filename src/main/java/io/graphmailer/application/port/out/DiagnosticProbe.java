package io.graphmailer.application.port.out;

import io.graphmailer.domain.DiagnosticCheck;

import java.util.List;

/** One area the doctor examines (settings, certificate, tokens, SMTP login...), owned by the adapter that knows it. */
public interface DiagnosticProbe {
    /** Short name of the area, used when the probe itself breaks. */
    String area();

    List<DiagnosticCheck> run();
}
