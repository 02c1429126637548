package io.graphmailer.wiring;

import io.graphmailer.domain.BlobAllowlist;
import io.graphmailer.domain.MailLimits;
import io.graphmailer.format.graph.MimeRequestParser;
import io.graphmailer.format.graph.SendMailRequestParser;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;

/** The Graph sendMail parsers every trigger shares; format/graph stays framework-free, so they are produced here. */
@ApplicationScoped
public class InboundBeans {
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
}
