package io.graphmailer.config;

import io.graphmailer.adapter.out.graph.GraphMailSender;
import io.graphmailer.adapter.out.identity.MsalAccessTokenProvider;
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

    void onStart(@Observes StartupEvent event, GraphMailerConfig config, Instance<MailTransport> transports,
                 Instance<MsalAccessTokenProvider> tokens) {
        List<String> problems = SettingsValidator.problems(config, LaunchMode.current() == LaunchMode.DEVELOPMENT, System.getenv());
        if (!problems.isEmpty()) {
            throw new IllegalStateException("graph-mailer cannot start; fix these settings:\n  - " + String.join("\n  - ", problems));
        }
        MailTransport transport = transports.get();
        if (config.transport() == GraphMailerConfig.TransportKind.GRAPH && config.warmUp()) {
            warmUp(tokens.get());
        }
        LOG.infof("graph-mailer ready: transport %s, caller auth %s, %d allowed sender(s)",
                transport.name(), config.callerAuth().mode(), config.allowedSenders().size());
    }

    /**
     * Reads the certificate and gets the first Graph token beside the HTTP server's start. A failure
     * is logged, not fatal: the process stays up (no crash loop) and each send reports the cause.
     */
    private static void warmUp(MsalAccessTokenProvider tokens) {
        Thread thread = new Thread(() -> {
            long started = System.nanoTime();
            try {
                tokens.warmUp();
                tokens.token(GraphMailSender.GRAPH_SCOPE);
                LOG.infof("warm-up: certificate %s loaded and Graph token obtained in %d ms",
                        tokens.certificate().thumbprint(), (System.nanoTime() - started) / 1_000_000);
            } catch (RuntimeException e) {
                LOG.errorf("warm-up failed; sends will report it until it is fixed: %s", e.getMessage());
            }
        }, "graph-mailer-warm-up");
        thread.setDaemon(true);
        thread.start();
    }
}
