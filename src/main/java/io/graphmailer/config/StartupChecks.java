package io.graphmailer.config;

import io.graphmailer.application.port.out.MailTransport;
import io.quarkus.runtime.LaunchMode;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.enterprise.inject.Instance;
import org.jboss.logging.Logger;

import java.util.List;

/** Fails the start on bad settings with every problem listed, then builds the transport eagerly. */
@ApplicationScoped
public class StartupChecks {
    private static final Logger LOG = Logger.getLogger(StartupChecks.class);

    void onStart(@Observes StartupEvent event, GraphMailerConfig config, Instance<MailTransport> transports) {
        List<String> problems = SettingsValidator.problems(config, LaunchMode.current() == LaunchMode.DEVELOPMENT, System.getenv());
        if (!problems.isEmpty()) {
            throw new IllegalStateException("graph-mailer cannot start; fix these settings:\n  - " + String.join("\n  - ", problems));
        }
        MailTransport transport = transports.get();
        LOG.infof("graph-mailer ready: transport %s, caller auth %s, %d allowed sender(s)",
                transport.name(), config.callerAuth().mode(), config.allowedSenders().size());
    }
}
