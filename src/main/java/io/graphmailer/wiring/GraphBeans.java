package io.graphmailer.wiring;

import io.graphmailer.adapter.out.graph.GraphSentMessageLookup;
import io.graphmailer.adapter.out.identity.CertificateSource;
import io.graphmailer.adapter.out.identity.FileCertificateSource;
import io.graphmailer.adapter.out.identity.KeyVaultCertificateSource;
import io.graphmailer.application.port.out.SentMessageLookup;
import io.graphmailer.config.GraphMailerConfig;
import io.graphmailer.domain.SmtpMailboxes;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Instance;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;


/** The choices around Graph and the app's identity; the adapters themselves read their own settings. */
@ApplicationScoped
public class GraphBeans {

    /** A certificate file for local runs, else Key Vault. */
    @Produces
    @Singleton
    CertificateSource certificateSource(GraphMailerConfig config, Instance<FileCertificateSource> file,
                                        Instance<KeyVaultCertificateSource> keyVault) {
        return config.certificateFile().isPresent() ? file.get() : keyVault.get();
    }

    /** Only Graph-sent messages can be looked up; SMTP mailboxes (their Sent Items copy is optional) and the outbox fall back. */
    @Produces
    @Singleton
    SentMessageLookup sentMessageLookup(GraphMailerConfig config, SmtpMailboxes smtp, Instance<GraphSentMessageLookup> graph) {
        if (config.transport() != GraphMailerConfig.TransportKind.GRAPH
                || config.queue().unknownOutcomePolicy() != GraphMailerConfig.UnknownOutcome.VERIFY) {
            return SentMessageLookup.NONE;
        }
        GraphSentMessageLookup lookup = graph.get();
        return (command, trackingId) -> smtp.routesToSmtp(command.mailbox())
                ? new SentMessageLookup.Result(SentMessageLookup.Found.CANNOT_LOOK, "sent by SMTP, whose Sent Items copy is optional"
                        + " and written after the send")
                : lookup.find(command, trackingId);
    }
}
