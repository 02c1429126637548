package io.graphmailer.wiring;

import io.graphmailer.config.GraphMailerConfig;
import io.graphmailer.config.SettingsProbe;

import io.graphmailer.format.graph.MimeRequestParser;
import io.graphmailer.format.graph.SendMailRequestParser;
import io.graphmailer.adapter.in.http.CallerAuthenticator;
import com.azure.identity.DefaultAzureCredentialBuilder;
import com.azure.security.keyvault.secrets.SecretClient;
import com.azure.security.keyvault.secrets.SecretClientBuilder;
import io.graphmailer.adapter.out.routing.RoutingMailTransport;
import io.graphmailer.adapter.out.graph.GraphMailSender;
import io.graphmailer.adapter.out.graph.GraphSentItemsWriter;
import io.graphmailer.adapter.out.graph.GraphSentMessageLookup;
import io.graphmailer.application.port.out.SentMessageLookup;
import io.graphmailer.adapter.out.smtp.SentItemsCopy;
import io.graphmailer.adapter.out.smtp.SmtpMailSender;
import io.graphmailer.adapter.out.identity.CertificateSource;
import io.graphmailer.adapter.out.identity.FileCertificateSource;
import io.graphmailer.adapter.out.identity.KeyVaultCertificateSource;
import io.graphmailer.adapter.out.identity.MsalAccessTokenProvider;
import io.graphmailer.adapter.out.mime.MimeMessageFactory;
import io.graphmailer.adapter.out.identity.IdentityProbe;
import io.graphmailer.adapter.out.smtp.SmtpProbe;
import io.graphmailer.application.DoctorService;
import io.graphmailer.application.port.in.DiagnoseUseCase;
import io.graphmailer.application.port.out.DiagnosticProbe;
import io.graphmailer.domain.BodyType;
import io.graphmailer.domain.EmailAddress;
import io.graphmailer.domain.EmailMessage;
import io.graphmailer.domain.Mailbox;
import io.graphmailer.domain.SendMailCommand;
import java.util.ArrayList;
import java.util.function.Supplier;
import io.graphmailer.application.PerMailboxLimiter;
import io.graphmailer.application.QueuedSendService;
import io.graphmailer.application.port.in.ProcessQueuedMailUseCase;
import io.graphmailer.application.port.out.EnvelopeWriter;
import io.graphmailer.application.port.out.MailQueue;
import io.graphmailer.application.port.out.SendLedger;
import io.graphmailer.adapter.out.outbox.OutboxMailTransport;
import io.graphmailer.application.SendMailService;
import io.graphmailer.application.port.in.SendMailUseCase;
import io.graphmailer.application.port.out.MailTransport;
import io.graphmailer.application.AttachmentResolver;
import io.graphmailer.application.port.out.AttachmentContentSource;
import io.graphmailer.domain.BlobAllowlist;
import io.graphmailer.domain.MailLimits;
import io.graphmailer.domain.SenderPolicy;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Disposes;
import jakarta.enterprise.inject.Instance;
import jakarta.enterprise.inject.Produces;
import jakarta.enterprise.inject.Typed;
import jakarta.inject.Singleton;

import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/** Builds each collaborator once from the settings and hands it out; the domain stays framework-free. */
@ApplicationScoped
public class ApplicationBeans {
    /** A pooled SMTP connection whose token expires within this is replaced (MSAL renews tokens this close to expiry). */
    static final Duration SMTP_TOKEN_REFRESH_MARGIN = Duration.ofMinutes(5);

    @Produces
    @Singleton
    MailLimits mailLimits(GraphMailerConfig config) {
        GraphMailerConfig.Attachments a = config.attachments();
        return new MailLimits(config.limits().maxRecipients(), MailLimits.DEFAULT.maxInlineAttachmentBytes(), a.maxAttachmentBytes(),
                a.maxMessageBytes(), a.maxCount());
    }

    @Produces
    @Singleton
    BlobAllowlist blobAllowlist(GraphMailerConfig config) {
        return new BlobAllowlist(config.attachments().allowedBlobPrefixes().orElse(List.of()));
    }

    @Produces
    @Singleton
    AttachmentResolver attachmentResolver(AttachmentContentSource source, MailLimits limits) {
        return new AttachmentResolver(source, limits);
    }

    @Produces
    @Singleton
    SenderPolicy senderPolicy(GraphMailerConfig config) {
        return new SenderPolicy(config.allowedSenders(), sendAs(config.sendAs().orElse(List.of())));
    }

    /** {@code mailbox:other} pairs (':' cannot occur in an address), grouped by mailbox. */
    static Map<String, List<String>> sendAs(List<String> pairs) {
        Map<String, List<String>> out = new java.util.LinkedHashMap<>();
        for (String pair : pairs) {
            int colon = pair.indexOf(':');
            if (colon < 0) {
                throw new IllegalArgumentException("GRAPH_MAILER_SEND_AS: '" + pair.trim() + "' is not a mailbox:other pair");
            }
            out.computeIfAbsent(pair.substring(0, colon).trim(), k -> new ArrayList<>()).add(pair.substring(colon + 1).trim());
        }
        return out;
    }

    @Produces
    @Singleton
    SendMailRequestParser jsonParser(MailLimits limits, BlobAllowlist blobs) {
        return new SendMailRequestParser(limits, blobs);
    }

    @Produces
    @Singleton
    MimeRequestParser mimeParser(MailLimits limits) {
        return new MimeRequestParser(limits);
    }

    @Produces
    @Singleton
    MimeMessageFactory mimeMessageFactory(AttachmentContentSource attachments) {
        return new MimeMessageFactory(attachments);
    }

    @Produces
    @Singleton
    MailTransport mailTransport(GraphMailerConfig config, MimeMessageFactory mimeFactory, Instance<MsalAccessTokenProvider> tokenProvider,
                                Instance<SmtpMailSender> smtp, AttachmentContentSource attachments) {
        MailTransport transport = switch (config.transport()) {
            case OUTBOX -> new OutboxMailTransport(config.outbox().directory(), mimeFactory);
            case GRAPH -> new GraphMailSender(
                    GraphMailSender.httpClient(config.graph().timeout(), config.graph().maxThrottleRetries(), config.graph().maxThrottleWait(),
                            config.graph().retryBudget()),
                    config.graph().baseUrl(), tokenProvider.get(), attachments, config.attachments().uploadChunkBytes());
        };
        List<String> smtpMailboxes = config.smtp().mailboxes().orElse(List.of());
        return smtpMailboxes.isEmpty() ? transport : new RoutingMailTransport(smtpMailboxes, smtp.get(), transport);
    }

    /** The SMTP XOAUTH2 transport of the mailboxes on graph-mailer.smtp.mailboxes; its idle connections are closed at shutdown. */
    @Produces
    @Singleton
    @Typed(SmtpMailSender.class) // not a second MailTransport bean: it is reached through the routing transport
    SmtpMailSender smtpMailSender(GraphMailerConfig config, MimeMessageFactory mimeFactory, MsalAccessTokenProvider tokens) {
        GraphMailerConfig.Smtp smtp = config.smtp();
        SentItemsCopy sentItems = null;
        if (smtp.saveToSentItems()) {
            sentItems = new GraphSentItemsWriter(GraphMailSender.httpClient(config.graph().timeout(), config.graph().maxThrottleRetries(),
                    config.graph().maxThrottleWait()), config.graph().baseUrl(), tokens)::save;
        }
        return new SmtpMailSender(new SmtpMailSender.Settings(smtp.host(), smtp.port(), smtp.maxConnectionsPerMailbox(), smtp.timeout(),
                SMTP_TOKEN_REFRESH_MARGIN), smtp.mailboxes().orElse(List.of()), config.clientId().orElseThrow(), tokens, mimeFactory,
                sentItems, Clock.systemUTC());
    }

    void closeSmtp(@Disposes SmtpMailSender smtp) {
        smtp.close();
    }

    /** Built once: MSAL's token cache lives in this one application instance. */
    @Produces
    @Singleton
    MsalAccessTokenProvider tokenProvider(GraphMailerConfig config, CertificateSource certificates) {
        return new MsalAccessTokenProvider(certificates, config.authorityHost(), config.tenantId().orElseThrow(),
                config.clientId().orElseThrow(), config.certificateCheckInterval(), Clock.systemUTC());
    }

    @Produces
    @Singleton
    CertificateSource certificateSource(GraphMailerConfig config) {
        if (config.certificateFile().isPresent()) {
            return new FileCertificateSource(config.certificateFile().get());
        }
        String vault = config.keyVaultUrl().orElseThrow();
        SecretClient secrets = new SecretClientBuilder()
                .vaultUrl(vault)
                .credential(new DefaultAzureCredentialBuilder().build())
                .buildClient();
        return new KeyVaultCertificateSource(secrets, vault, config.certificateName());
    }

    @Produces
    @Singleton
    ProcessQueuedMailUseCase processQueuedMail(GraphMailerConfig config, SenderPolicy senderPolicy, MailTransport transport,
                                               SendLedger ledger, MailQueue queue, PerMailboxLimiter limiter,
                                               AttachmentResolver attachments, Instance<MsalAccessTokenProvider> tokens,
                                               EnvelopeWriter envelopes) {
        GraphMailerConfig.Queue q = config.queue();
        return new QueuedSendService(senderPolicy, transport, ledger, queue, envelopes,
                limiter,
                new QueuedSendService.Settings(policy(q.unknownOutcomePolicy()), q.maxAttempts(), q.backoffBase(), q.backoffMax(),
                        q.lease(), q.unknownOutcomeSettle(), policy(q.unknownOutcomeFallback())),
                Clock.systemUTC(), attachments, sentMessageLookup(config, transport, tokens));
    }

    private static QueuedSendService.UnknownOutcomePolicy policy(GraphMailerConfig.UnknownOutcome policy) {
        return QueuedSendService.UnknownOutcomePolicy.valueOf(policy.name());
    }

    /** Only Graph-sent messages can be looked up; SMTP mailboxes (their Sent Items copy is optional) and the outbox fall back. */
    private static SentMessageLookup sentMessageLookup(GraphMailerConfig config, MailTransport transport,
                                                       Instance<MsalAccessTokenProvider> tokens) {
        if (config.transport() != GraphMailerConfig.TransportKind.GRAPH
                || config.queue().unknownOutcomePolicy() != GraphMailerConfig.UnknownOutcome.VERIFY) {
            return SentMessageLookup.NONE;
        }
        GraphMailerConfig.Graph g = config.graph();
        GraphSentMessageLookup graph = new GraphSentMessageLookup(GraphMailSender.httpClient(g.timeout(), g.maxThrottleRetries(),
                g.maxThrottleWait(), g.retryBudget()), g.baseUrl(), tokens.get());
        if (!(transport instanceof RoutingMailTransport routing)) {
            return graph;
        }
        return (command, trackingId) -> routing.transportFor(command.mailbox()) instanceof GraphMailSender
                ? graph.find(command, trackingId)
                : new SentMessageLookup.Result(SentMessageLookup.Found.CANNOT_LOOK, "sent by SMTP, whose Sent Items copy is optional"
                        + " and written after the send");
    }

    @Produces
    @Singleton
    SendMailUseCase sendMailUseCase(SenderPolicy senderPolicy, MailTransport transport, PerMailboxLimiter limiter,
                                    AttachmentResolver attachments) {
        return new SendMailService(senderPolicy, transport, limiter, attachments);
    }

    /** The doctor examines only what this deployment uses. */
    @Produces
    @Singleton
    DiagnoseUseCase doctor(GraphMailerConfig config, SendMailUseCase sendMail, MailLimits limits,
                           Instance<MsalAccessTokenProvider> tokens, Instance<CertificateSource> certificates,
                           Instance<SmtpMailSender> smtp) {
        List<DiagnosticProbe> probes = new ArrayList<>();
        probes.add(new SettingsProbe(config));
        boolean graph = config.transport() == GraphMailerConfig.TransportKind.GRAPH;
        boolean smtpInUse = config.smtp().mailboxes().map(m -> !m.isEmpty()).orElse(false);
        if (graph || smtpInUse) {
            List<IdentityProbe.ScopeNeed> needs = new ArrayList<>();
            if (graph) {
                needs.add(new IdentityProbe.ScopeNeed(GraphMailSender.GRAPH_SCOPE, "Mail.Send", false, "Graph"));
                if (config.queue().unknownOutcomePolicy() == GraphMailerConfig.UnknownOutcome.VERIFY) {
                    needs.add(new IdentityProbe.ScopeNeed(GraphMailSender.GRAPH_SCOPE, GraphSentMessageLookup.READ_ROLE, false,
                            "Sent Items lookup"));
                }
            }
            if (smtpInUse) {
                needs.add(new IdentityProbe.ScopeNeed(SmtpMailSender.SMTP_SCOPE, "SMTP.SendAsApp", true, "SMTP"));
                if (config.smtp().saveToSentItems()) {
                    needs.add(new IdentityProbe.ScopeNeed(GraphMailSender.GRAPH_SCOPE, "Mail.ReadWrite", false, "Sent Items copies (Graph)"));
                }
            }
            probes.add(new IdentityProbe(certificates.get(), tokens.get(), needs, Clock.systemUTC()));
        }
        if (smtpInUse) {
            probes.add(new SmtpProbe(smtp.get()));
        }
        Supplier<List<SendMailCommand>> testMessages = () -> config.doctor().testRecipient().map(to -> config.allowedSenders().stream()
                .map(sender -> new SendMailCommand(new Mailbox(sender.trim()), new EmailMessage("graph-mailer doctor test", BodyType.TEXT,
                        "A test message from graph-mailer's doctor, sent as " + sender.trim() + ".",
                        List.of(new EmailAddress(to, null)), List.of(), List.of(), List.of(), null, null, List.of(), List.of(), List.of(),
                        false, false), true, limits))
                .toList()).orElse(List.of());
        return new DoctorService(probes, sendMail, testMessages);
    }

    /** One limiter for HTTP and queue sends alike: Graph counts both against the mailbox. */
    @Produces
    @Singleton
    PerMailboxLimiter perMailboxLimiter(GraphMailerConfig config) {
        return new PerMailboxLimiter(config.queue().maxInFlightPerMailbox());
    }

    @Produces
    @Singleton
    CallerAuthenticator callerAuthenticator(GraphMailerConfig config) {
        GraphMailerConfig.CallerAuth auth = config.callerAuth();
        String tenant = config.tenantId().orElse("");
        String issuer = auth.issuer().orElse("https://login.microsoftonline.com/" + tenant + "/v2.0");
        String jwks = auth.jwksUrl().orElse("https://login.microsoftonline.com/" + tenant + "/discovery/v2.0/keys");
        return new CallerAuthenticator(jwks, issuer, auth.audience().orElseThrow(), auth.requiredRole(),
                auth.tenantId().or(config::tenantId).orElse(""));
    }
}
