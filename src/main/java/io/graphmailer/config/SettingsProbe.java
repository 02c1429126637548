package io.graphmailer.config;

import io.graphmailer.application.port.out.DiagnosticProbe;
import io.graphmailer.domain.DiagnosticCheck;
import io.quarkus.runtime.LaunchMode;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.stream.Collectors;

/** The doctor's view of the settings: coherent, and every allowed mailbox has a transport. */
public final class SettingsProbe implements DiagnosticProbe {
    private final GraphMailerConfig config;

    public SettingsProbe(GraphMailerConfig config) {
        this.config = config;
    }

    @Override
    public String area() {
        return "settings";
    }

    @Override
    public List<DiagnosticCheck> run() {
        List<DiagnosticCheck> checks = new ArrayList<>();
        List<String> problems = SettingsValidator.problems(config, LaunchMode.current() == LaunchMode.DEVELOPMENT, System.getenv());
        if (problems.isEmpty()) {
            checks.add(DiagnosticCheck.ok("settings coherent", "caller auth " + config.callerAuth().mode().name().toLowerCase(Locale.ROOT)
                    + ", default transport " + config.transport().name().toLowerCase(Locale.ROOT)));
        } else {
            problems.forEach(p -> checks.add(DiagnosticCheck.fail("settings coherent", p, "set the app setting named", "app team")));
        }
        Set<String> smtp = config.smtp().mailboxes().orElse(List.of()).stream()
                .map(SettingsProbe::key).collect(Collectors.toSet());
        String routes = config.allowedSenders().stream().map(String::trim)
                .map(m -> m + " → " + (smtp.contains(key(m)) ? "smtp" : config.transport().name().toLowerCase(Locale.ROOT)))
                .collect(Collectors.joining(", "));
        checks.add(DiagnosticCheck.ok("every allowed mailbox has a transport", routes));
        if (config.transport() == GraphMailerConfig.TransportKind.OUTBOX && LaunchMode.current() == LaunchMode.NORMAL) {
            checks.add(DiagnosticCheck.warn("transport", "the outbox transport only writes .eml files; nothing is delivered",
                    "set GRAPH_MAILER_TRANSPORT=graph for production", "app team"));
        }
        return checks;
    }

    private static String key(String mailbox) {
        try {
            return new io.graphmailer.domain.Mailbox(mailbox.trim()).key();
        } catch (io.graphmailer.domain.InvalidMailException e) {
            return mailbox.trim();
        }
    }
}
