package io.graphmailer.config;

import io.graphmailer.adapter.in.graphapi.MimeRequestParser;
import io.graphmailer.adapter.in.graphapi.SendMailRequestParser;
import io.graphmailer.adapter.in.http.CallerAuthenticator;
import io.graphmailer.adapter.out.mime.MimeMessageFactory;
import io.graphmailer.adapter.out.outbox.OutboxMailTransport;
import io.graphmailer.application.SendMailService;
import io.graphmailer.application.port.in.SendMailUseCase;
import io.graphmailer.application.port.out.MailTransport;
import io.graphmailer.domain.MailLimits;
import io.graphmailer.domain.SenderPolicy;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;

/** Builds each collaborator once from the settings and hands it out; the domain stays framework-free. */
@ApplicationScoped
public class ApplicationBeans {

    @Produces
    @Singleton
    MailLimits mailLimits(GraphMailerConfig config) {
        return new MailLimits(config.limits().maxRecipients(), MailLimits.DEFAULT.maxInlineAttachmentBytes());
    }

    @Produces
    @Singleton
    SenderPolicy senderPolicy(GraphMailerConfig config) {
        return new SenderPolicy(config.allowedSenders());
    }

    @Produces
    @Singleton
    SendMailRequestParser jsonParser(MailLimits limits) {
        return new SendMailRequestParser(limits);
    }

    @Produces
    @Singleton
    MimeRequestParser mimeParser(MailLimits limits) {
        return new MimeRequestParser(limits);
    }

    @Produces
    @Singleton
    MimeMessageFactory mimeMessageFactory() {
        return new MimeMessageFactory();
    }

    @Produces
    @Singleton
    MailTransport mailTransport(GraphMailerConfig config, MimeMessageFactory mimeFactory) {
        return switch (config.transport()) {
            case OUTBOX -> new OutboxMailTransport(config.outbox().directory(), mimeFactory);
            case GRAPH -> throw new IllegalStateException("transport graph is not available in this build");
        };
    }

    @Produces
    @Singleton
    SendMailUseCase sendMailUseCase(SenderPolicy senderPolicy, MailTransport transport) {
        return new SendMailService(senderPolicy, transport);
    }

    @Produces
    @Singleton
    CallerAuthenticator callerAuthenticator(GraphMailerConfig config) {
        GraphMailerConfig.CallerAuth auth = config.callerAuth();
        String tenant = config.tenantId().orElse("");
        String issuer = auth.issuer().orElse("https://login.microsoftonline.com/" + tenant + "/v2.0");
        String jwks = auth.jwksUrl().orElse("https://login.microsoftonline.com/" + tenant + "/discovery/v2.0/keys");
        return new CallerAuthenticator(jwks, issuer, auth.audience().orElseThrow(), auth.requiredRole());
    }
}
