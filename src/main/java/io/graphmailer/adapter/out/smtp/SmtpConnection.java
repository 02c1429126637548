package io.graphmailer.adapter.out.smtp;

import io.graphmailer.adapter.out.identity.AccessToken;
import jakarta.mail.MessagingException;
import org.eclipse.angus.mail.smtp.SMTPTransport;
import org.jboss.logging.Logger;

/** One authenticated SMTP session, the token it was authenticated with, and whether it carried an earlier send. */
record SmtpConnection(SMTPTransport transport, AccessToken token, boolean reused) {
    private static final Logger LOG = Logger.getLogger(SmtpConnection.class);

    SmtpConnection reuse() {
        return new SmtpConnection(transport, token, true);
    }

    /** QUIT; a failure only means the server had already gone. */
    void close() {
        close(transport);
    }

    static void close(SMTPTransport transport) {
        try {
            transport.close();
        } catch (MessagingException | RuntimeException e) {
            LOG.debugf("smtp: closing a connection failed: %s", e.getMessage());
        }
    }
}
