package io.graphmailer.adapter.out.smtp;

import io.graphmailer.application.port.out.DiagnosticProbe;
import io.graphmailer.domain.DiagnosticCheck;
import io.graphmailer.domain.MailTransportException;
import io.graphmailer.domain.Mailbox;

import java.util.ArrayList;
import java.util.List;

/**
 * The doctor's SMTP check: a new connection, STARTTLS and AUTH XOAUTH2 as each SMTP mailbox succeed (then QUIT),
 * nothing is sent. Never a pooled connection: an idle session still open says nothing about whether a new login works.
 */
public final class SmtpProbe implements DiagnosticProbe {
    private final SmtpMailSender smtp;

    public SmtpProbe(SmtpMailSender smtp) {
        this.smtp = smtp;
    }

    @Override
    public String area() {
        return "smtp";
    }

    @Override
    public List<DiagnosticCheck> run() {
        List<DiagnosticCheck> checks = new ArrayList<>();
        for (String upn : smtp.mailboxUpns()) {
            String name = "SMTP login as " + upn;
            try {
                String seen = smtp.verifyLogin(new Mailbox(upn));
                checks.add(DiagnosticCheck.ok(name, seen + "; QUIT, nothing sent"));
            } catch (MailTransportException e) {
                String owner = e.code() != null && e.code().startsWith("SmtpAuth") ? "email team" : "infrastructure team";
                checks.add(DiagnosticCheck.fail(name, e.code() + ": " + e.getMessage(), "see the detail: the checklist names each step", owner));
            }
        }
        return checks;
    }
}
