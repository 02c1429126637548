package io.graphmailer.config;

import io.graphmailer.application.port.out.DiagnosticProbe;
import io.graphmailer.domain.DiagnosticCheck;
import io.graphmailer.domain.InvalidMailException;
import io.graphmailer.domain.Mailbox;
import io.graphmailer.domain.SmtpMailboxes;
import io.quarkus.runtime.LaunchMode;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.stream.Collectors;

/** The doctor's view of the settings: coherent, and every allowed mailbox has a transport. */
public final class SettingsProbe implements DiagnosticProbe {
    private final GraphMailerConfig config;
    private final SmtpMailboxes smtpMailboxes;

    public SettingsProbe(GraphMailerConfig config, SmtpMailboxes smtpMailboxes) {
        this.config = config;
        this.smtpMailboxes = smtpMailboxes;
    }

    @Override
    public String area() {
        return "settings";
    }

    @Override
    public List<DiagnosticCheck> run() {
        List<DiagnosticCheck> checks = new ArrayList<>();
        List<String> problems = SettingsValidator.problems(config);
        if (problems.isEmpty()) {
            checks.add(DiagnosticCheck.ok("settings coherent", "caller auth " + config.callerAuth().mode().name().toLowerCase(Locale.ROOT)
                    + ", default transport " + config.transport().name().toLowerCase(Locale.ROOT)));
        } else {
            problems.forEach(p -> checks.add(DiagnosticCheck.fail("settings coherent", p, "set the app setting named", "app team")));
        }
        String routes = config.allowedSenders().stream().map(String::trim)
                .map(m -> m + " → " + (routesToSmtp(m) ? "smtp" : config.transport().name().toLowerCase(Locale.ROOT)))
                .collect(Collectors.joining(", "));
        checks.add(DiagnosticCheck.ok("every allowed mailbox has a transport", routes));
        if (config.transport() == GraphMailerConfig.TransportKind.OUTBOX && !SettingsValidator.isDevRun(LaunchMode.current())) {
            checks.add(DiagnosticCheck.warn("transport", "the outbox transport only writes .eml files; nothing is delivered",
                    "set GRAPH_MAILER_TRANSPORT=graph for production", "app team"));
        }
        return checks;
    }

    private boolean routesToSmtp(String sender) {
        try {
            return smtpMailboxes.routesToSmtp(new Mailbox(sender));
        } catch (InvalidMailException e) {
            return false; // named by the settings check above
        }
    }
}
