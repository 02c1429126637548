package io.graphmailer.application.port.in;

import io.graphmailer.domain.Diagnosis;

/** Checks the deployment without sending mail (unless a test send is asked for). */
public interface DiagnoseUseCase {
    Diagnosis diagnose(boolean testSend);
}
