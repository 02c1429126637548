package io.graphmailer.wiring;

import io.graphmailer.config.GraphMailerConfig;
import io.graphmailer.config.SettingsValidator;

import io.graphmailer.adapter.out.graph.GraphMailSender;
import io.graphmailer.adapter.out.identity.MsalAccessTokenProvider;
import io.graphmailer.adapter.out.smtp.SmtpMailSender;
import io.graphmailer.application.port.out.MailTransport;
import io.graphmailer.domain.SmtpMailboxes;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.enterprise.inject.Instance;
import org.jboss.logging.Logger;

import java.util.ArrayList;
import java.util.List;

/** Fails the start on bad settings with every problem listed, starts the warm-up, then builds the transport eagerly. */
@ApplicationScoped
public class StartupChecks {
    private static final Logger LOG = Logger.getLogger(StartupChecks.class);

    void onStart(@Observes StartupEvent event, GraphMailerConfig config, Instance<MailTransport> transports,
                 Instance<MsalAccessTokenProvider> tokens, Instance<SmtpMailboxes> smtpMailboxes) {
        List<String> problems = SettingsValidator.problems(config);
        if (!problems.isEmpty()) {
            throw new IllegalStateException("graph-mailer cannot start; fix these settings:\n  - " + String.join("\n  - ", problems));
        }
        boolean graph = config.transport() == GraphMailerConfig.TransportKind.GRAPH;
        boolean smtp = smtpMailboxes.get().inUse(); // after the check: an entry that is no mailbox is named there
        // The warm-up (Key Vault, then Entra ID, then Graph) is the longest path to the first 202: start it before the
        // transport is built, so that building it overlaps too (the start-up timeline of bench/startup-and-send.sh).
        if ((graph || smtp) && config.warmUp()) {
            List<String> scopes = new ArrayList<>();
            if (graph || config.smtp().saveToSentItems()) {
                scopes.add(GraphMailSender.GRAPH_SCOPE);
            }
            if (smtp) {
                scopes.add(SmtpMailSender.SMTP_SCOPE);
            }
            warmUp(tokens.get(), scopes);
        }
        MailTransport transport = transports.get();
        LOG.infof("graph-mailer ready: transport %s, caller auth %s, %d allowed sender(s); %d ms after JVM start",
                transport.name(), config.callerAuth().mode(), config.allowedSenders().size(), sinceJvmStartMillis());
    }

    /** For the start-up timeline (bench/startup-and-send.sh); -1 where the platform does not say. */
    static long sinceJvmStartMillis() {
        return ProcessHandle.current().info().startInstant()
                .map(started -> java.time.Duration.between(started, java.time.Instant.now()).toMillis()).orElse(-1L);
    }

    /**
     * Reads the certificate and gets the first tokens (Graph, SMTP) beside the HTTP server's start. A failure
     * is logged, not fatal: the process stays up (no crash loop) and each send reports the cause.
     */
    private static void warmUp(MsalAccessTokenProvider tokens, List<String> scopes) {
        Thread thread = new Thread(() -> {
            long started = System.nanoTime();
            LOG.infof("startup: warm-up started, %d ms after JVM start", sinceJvmStartMillis());
            try {
                tokens.warmUp();
                scopes.forEach(tokens::token);
                LOG.infof("warm-up: certificate %s loaded and token(s) for %s obtained in %d ms",
                        tokens.certificate().thumbprint(), String.join(", ", scopes), (System.nanoTime() - started) / 1_000_000);
            } catch (RuntimeException e) {
                LOG.errorf("warm-up failed; sends will report it until it is fixed: %s", e.getMessage());
            }
        }, "graph-mailer-warm-up");
        thread.setDaemon(true);
        thread.start();
    }
}
