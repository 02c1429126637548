package io.graphmailer.adapter.out.smtp;

import io.graphmailer.adapter.out.identity.AccessToken;
import io.graphmailer.adapter.out.identity.AccessTokenProvider;
import io.graphmailer.adapter.out.mime.MimeMessageFactory;
import io.graphmailer.application.port.out.MailTransport;
import io.graphmailer.domain.EmailAddress;
import io.graphmailer.domain.EmailMessage;
import io.graphmailer.domain.MailTransportException;
import io.graphmailer.domain.MailTransportException.Kind;
import io.graphmailer.domain.Mailbox;
import io.graphmailer.domain.MimeContent;
import io.graphmailer.domain.SendMailCommand;
import jakarta.mail.Address;
import jakarta.mail.AuthenticationFailedException;
import jakarta.mail.MessagingException;
import jakarta.mail.NoSuchProviderException;
import jakarta.mail.SendFailedException;
import jakarta.mail.Session;
import jakarta.mail.internet.AddressException;
import jakarta.mail.internet.InternetAddress;
import jakarta.mail.internet.MimeMessage;
import org.eclipse.angus.mail.smtp.SMTPAddressFailedException;
import org.eclipse.angus.mail.smtp.SMTPSendFailedException;
import org.eclipse.angus.mail.smtp.SMTPSenderFailedException;
import org.eclipse.angus.mail.smtp.SMTPTransport;
import org.jboss.logging.Logger;

import javax.net.ssl.SSLException;
import java.io.ByteArrayInputStream;
import java.io.InterruptedIOException;
import java.net.ConnectException;
import java.net.UnknownHostException;
import java.security.cert.CertificateException;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;

/**
 * Sends through Exchange Online's SMTP AUTH submission endpoint with {@code AUTH XOAUTH2}: STARTTLS is
 * required (never plain text), {@code user=} is the mailbox's UPN as configured, the password is an
 * app-only token for {@value #SMTP_SCOPE} from the same MSAL app and certificate as Graph.
 *
 * <p>Connections are kept per mailbox and reused for the next sends, at most
 * {@link Settings#maxConnectionsPerMailbox()} at once (Exchange allows 3 per mailbox). A connection whose
 * token expires within {@link Settings#tokenRefreshMargin()} is closed and replaced with one authenticated
 * by a fresh token; so is one the server dropped (checked with NOOP before reuse).
 */
public final class SmtpMailSender implements MailTransport, AutoCloseable {
    public static final String SMTP_SCOPE = "https://outlook.office365.com/.default";
    /** Exchange's limit of concurrent SMTP AUTH connections per mailbox. */
    public static final int EXCHANGE_MAX_CONNECTIONS = 3;
    private static final Logger LOG = Logger.getLogger(SmtpMailSender.class);

    public record Settings(String host, int port, int maxConnectionsPerMailbox, Duration timeout, Duration tokenRefreshMargin) {
        public Settings {
            if (maxConnectionsPerMailbox < 1 || maxConnectionsPerMailbox > EXCHANGE_MAX_CONNECTIONS) {
                throw new IllegalArgumentException("between 1 and " + EXCHANGE_MAX_CONNECTIONS + " connections per mailbox");
            }
        }
    }

    /** One authenticated SMTP session, the token it was authenticated with, and whether it carried an earlier send. */
    private record Connection(SMTPTransport transport, AccessToken token, boolean reused) {
    }

    /** The connections of one mailbox: a permit per connection in use, idle ones kept for the next send. */
    private static final class MailboxConnections {
        final String upn;
        final Session session;
        final Semaphore permits;
        final Deque<Connection> idle = new ArrayDeque<>();
        final int max;

        MailboxConnections(String upn, Session session, int max) {
            this.upn = upn;
            this.session = session;
            this.max = max;
            this.permits = new Semaphore(max, true);
        }
    }

    private final Settings settings;
    private final String clientId;
    private final AccessTokenProvider tokens;
    private final MimeMessageFactory mimeFactory;
    private final SentItemsCopy sentItems;
    private final Clock clock;
    private final Map<String, MailboxConnections> mailboxes = new LinkedHashMap<>();

    /**
     * @param upns      the mailboxes sent through SMTP, each exactly as its UPN (used for {@code user=} and MAIL FROM)
     * @param sentItems saves a copy to Sent Items after each send, or null to leave that to Exchange
     */
    public SmtpMailSender(Settings settings, Collection<String> upns, String clientId, AccessTokenProvider tokens,
                          MimeMessageFactory mimeFactory, SentItemsCopy sentItems, Clock clock) {
        this.settings = settings;
        this.clientId = clientId;
        this.tokens = tokens;
        this.mimeFactory = mimeFactory;
        this.sentItems = sentItems;
        this.clock = clock;
        for (String upn : upns) {
            String trimmed = upn.trim();
            mailboxes.put(new Mailbox(trimmed).key(), new MailboxConnections(trimmed, session(settings, trimmed),
                    settings.maxConnectionsPerMailbox()));
        }
    }

    static Session session(Settings settings, String upn) {
        Properties p = new Properties();
        String timeout = Long.toString(settings.timeout().toMillis());
        p.setProperty("mail.smtp.host", settings.host());
        p.setProperty("mail.smtp.port", Integer.toString(settings.port()));
        p.setProperty("mail.smtp.from", upn); // the envelope sender (MAIL FROM) is the mailbox itself
        p.setProperty("mail.smtp.starttls.enable", "true");
        p.setProperty("mail.smtp.starttls.required", "true"); // never continue in plain text
        p.setProperty("mail.smtp.ssl.checkserveridentity", "true");
        p.setProperty("mail.smtp.ssl.protocols", "TLSv1.3 TLSv1.2");
        p.setProperty("mail.smtp.auth", "true");
        p.setProperty("mail.smtp.auth.mechanisms", "XOAUTH2");
        p.setProperty("mail.smtp.auth.xoauth2.disable", "false");
        p.setProperty("mail.smtp.connectiontimeout", timeout);
        p.setProperty("mail.smtp.timeout", timeout);
        p.setProperty("mail.smtp.writetimeout", timeout);
        p.setProperty("mail.smtp.quitwait", "false");
        return Session.getInstance(p);
    }

    @Override
    public String name() {
        return "smtp";
    }

    /** The SMTP mailboxes, as configured (UPNs). */
    public java.util.List<String> mailboxUpns() {
        return mailboxes.values().stream().map(p -> p.upn).sorted().toList();
    }

    /**
     * The doctor's login: always a new connection (never a pooled one, which would prove only that an old
     * login still holds), STARTTLS, {@code AUTH XOAUTH2}, then QUIT; nothing is sent and the pool is untouched.
     * It takes one of the mailbox's connection permits and, when in-use and idle connections would then exceed the
     * limit, closes one idle connection first: together with sends it never exceeds Exchange's 3 per mailbox.
     *
     * @return what the server saw: host, TLS and its answer to AUTH
     */
    public String verifyLogin(Mailbox mailbox) {
        MailboxConnections pool = mailboxes.get(mailbox.key());
        if (pool == null) {
            throw new MailTransportException(Kind.CONFIGURATION, "SmtpMailboxNotConfigured", mailbox + " is not on GRAPH_MAILER_SMTP_MAILBOXES");
        }
        acquire(pool);
        try {
            Connection spare = null;
            synchronized (pool) {
                int inUse = pool.max - pool.permits.availablePermits(); // this login's permit included
                if (inUse + pool.idle.size() > pool.max) {
                    spare = pool.idle.pollLast(); // the oldest idle connection makes room for this login
                }
            }
            if (spare != null) {
                close(spare);
            }
            Connection connection = open(pool, currentToken());
            try {
                SMTPTransport transport = connection.transport();
                return "new connection to " + settings.host() + ":" + settings.port() + ", "
                        + (transport.isSSL() ? "STARTTLS done" : "no TLS") + ", AUTH XOAUTH2 answered '"
                        + SmtpReplies.oneLine(transport.getLastServerResponse()) + "'";
            } finally {
                close(connection); // QUIT
            }
        } finally {
            pool.permits.release();
        }
    }

    /** Whether {@code mailbox} is sent through SMTP by this sender. */
    public boolean handles(Mailbox mailbox) {
        return mailboxes.containsKey(mailbox.key());
    }

    @Override
    public void send(SendMailCommand command, String trackingId) {
        MailboxConnections pool = mailboxes.get(command.mailbox().key());
        if (pool == null) {
            throw new MailTransportException(Kind.CONFIGURATION, "SmtpMailboxNotConfigured", command.mailbox()
                    + " is not on GRAPH_MAILER_SMTP_MAILBOXES");
        }
        MimeMessage message = message(pool, command, trackingId);
        Address[] envelope = envelope(command);
        acquire(pool);
        try {
            Connection connection = checkout(pool);
            try {
                connection.transport().sendMessage(message, envelope);
            } catch (SMTPSenderFailedException | SMTPSendFailedException e) {
                if (isSessionRefused(e) && connection.reused()) {
                    // The session lost its authentication (token expired or revoked): nothing was accepted, so
                    // reconnect with a fresh token and send once more.
                    LOG.infof("smtp: session of %s refused MAIL FROM (%d); reconnecting with a fresh token", pool.upn, returnCode(e));
                    close(connection);
                    connection = open(pool, tokens.freshToken(SMTP_SCOPE));
                    try {
                        connection.transport().sendMessage(message, envelope);
                    } catch (MessagingException again) {
                        close(connection);
                        throw translateSend(again, pool, trackingId);
                    }
                } else {
                    close(connection);
                    throw translateSend(e, pool, trackingId);
                }
            } catch (MessagingException e) {
                close(connection);
                throw translateSend(e, pool, trackingId);
            }
            synchronized (pool) {
                pool.idle.push(connection);
            }
            LOG.infof("smtp: message %s from %s accepted", trackingId, pool.upn);
        } finally {
            pool.permits.release();
        }
        if (sentItems != null && command.saveToSentItems() && command.content() instanceof EmailMessage m) {
            try {
                sentItems.save(new Mailbox(pool.upn), m, trackingId);
            } catch (RuntimeException e) {
                // The message went out; failing the request now would only make the caller send it twice.
                LOG.warnf("smtp: message %s from %s was sent, but its copy in Sent Items could not be saved: %s",
                        trackingId, pool.upn, e.getMessage());
            }
        }
    }

    private void acquire(MailboxConnections pool) {
        try {
            long waitMillis = Math.max(1, settings.timeout().toMillis());
            if (!pool.permits.tryAcquire(waitMillis, TimeUnit.MILLISECONDS)) {
                throw new MailTransportException(Kind.TRANSIENT, "SmtpConnectionsBusy", "all " + settings.maxConnectionsPerMailbox()
                        + " SMTP connections of " + pool.upn + " stayed busy for " + settings.timeout().toSeconds()
                        + " s; try again later", SmtpReplies.CONNECTION_LIMIT_RETRY, null);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new MailTransportException(Kind.TRANSIENT, "Interrupted", "interrupted while waiting for an SMTP connection", null, e);
        }
    }

    /** An idle connection that is still good, or a new one. */
    private Connection checkout(MailboxConnections pool) {
        while (true) {
            Connection idle;
            synchronized (pool) {
                idle = pool.idle.poll();
            }
            if (idle == null) {
                break;
            }
            if (idle.token().expiresOn().minus(settings.tokenRefreshMargin()).isBefore(clock.instant())) {
                LOG.debugf("smtp: token of an idle connection of %s expires at %s; reconnecting", pool.upn, idle.token().expiresOn());
                close(idle);
            } else if (!idle.transport().isConnected()) { // NOOP: the server may have closed an idle session
                close(idle);
            } else {
                return new Connection(idle.transport(), idle.token(), true);
            }
        }
        return open(pool, currentToken());
    }

    private AccessToken currentToken() {
        AccessToken token = tokens.token(SMTP_SCOPE); // MSAL renews a cached token shortly before it expires
        if (!token.expiresOn().isAfter(clock.instant())) {
            token = tokens.freshToken(SMTP_SCOPE);
        }
        return token;
    }

    /** Connects, STARTTLS, AUTH XOAUTH2; on a 535 5.7.3 once more with a token fresh from the identity platform. */
    private Connection open(MailboxConnections pool, AccessToken token) {
        try {
            return connect(pool, token);
        } catch (AuthenticationFailedException e) {
            String reply = lastReply(e);
            if (reply.startsWith("535") && !reply.contains("5.7.139")) {
                AccessToken fresh = tokens.freshToken(SMTP_SCOPE);
                try {
                    return connect(pool, fresh);
                } catch (AuthenticationFailedException again) {
                    throw SmtpReplies.authenticationFailed(lastReply(again), pool.upn, clientId, fresh.value());
                } catch (MessagingException again) {
                    throw translateConnect(again);
                }
            }
            throw SmtpReplies.authenticationFailed(reply, pool.upn, clientId, token.value());
        } catch (MessagingException e) {
            throw translateConnect(e);
        }
    }

    private static final class ReplyHolder extends AuthenticationFailedException {
        final String reply;

        ReplyHolder(String reply, AuthenticationFailedException cause) {
            super(reply, cause);
            this.reply = reply;
        }
    }

    private Connection connect(MailboxConnections pool, AccessToken token) throws MessagingException {
        SMTPTransport transport;
        try {
            transport = (SMTPTransport) pool.session.getTransport("smtp");
        } catch (NoSuchProviderException e) {
            throw new IllegalStateException("Angus Mail's SMTP provider is missing", e);
        }
        try {
            transport.connect(settings.host(), settings.port(), pool.upn, token.value());
        } catch (AuthenticationFailedException e) {
            String reply = transport.getLastServerResponse();
            close(transport);
            throw new ReplyHolder(reply == null || reply.isBlank() ? String.valueOf(e.getMessage()) : reply, e);
        }
        return new Connection(transport, token, false);
    }

    private static String lastReply(AuthenticationFailedException e) {
        return e instanceof ReplyHolder holder ? holder.reply.strip() : String.valueOf(e.getMessage()).strip();
    }

    private MailTransportException translateConnect(MessagingException e) {
        String where = settings.host() + ":" + settings.port();
        Throwable cause = rootCause(e);
        if (cause instanceof ConnectException || cause instanceof UnknownHostException) {
            return new MailTransportException(Kind.TRANSIENT, "SmtpUnreachable", "the SMTP server " + where + " is unreachable ("
                    + cause.getClass().getSimpleName() + "); the message was not sent", null, e);
        }
        if (cause instanceof SSLException || cause instanceof CertificateException) {
            return new MailTransportException(Kind.CONFIGURATION, "SmtpTlsFailed", "TLS with " + where + " failed ("
                    + cause.getClass().getSimpleName() + ": " + cause.getMessage() + "); check GRAPH_MAILER_SMTP_HOST: the server's"
                    + " certificate must be trusted and name that host. Nothing was sent", null, e);
        }
        if (cause instanceof InterruptedIOException) {
            return new MailTransportException(Kind.TRANSIENT, "SmtpTimeout", "the SMTP server " + where + " did not answer in time"
                    + " while connecting; the message was not sent", null, e);
        }
        String text = String.valueOf(e.getMessage());
        if (text.contains("STARTTLS")) {
            return new MailTransportException(Kind.CONFIGURATION, "SmtpStartTlsUnavailable", "the SMTP server " + where
                    + " does not offer STARTTLS, and graph-mailer never sends in plain text; check GRAPH_MAILER_SMTP_HOST and"
                    + " GRAPH_MAILER_SMTP_PORT (smtp.office365.com:587)", null, e);
        }
        if (text.startsWith("432") || text.contains("4.3.2")) {
            return SmtpReplies.connectionLimit(text, where);
        }
        return new MailTransportException(Kind.TRANSIENT, "SmtpConnectFailed", "could not open an SMTP session with " + where
                + " (" + SmtpReplies.oneLine(text) + "); the message was not sent", null, e);
    }

    private MailTransportException translateSend(MessagingException e, MailboxConnections pool, String trackingId) {
        if (e instanceof SMTPSendFailedException failed) {
            return SmtpReplies.sendRefused(failed.getReturnCode(), failed.getMessage(), failed.getCommand(), pool.upn);
        }
        if (e instanceof SMTPSenderFailedException failed) {
            return SmtpReplies.sendRefused(failed.getReturnCode(), failed.getMessage(), failed.getCommand(), pool.upn);
        }
        if (e instanceof SendFailedException failed) {
            // RCPT TO refused for some address: nothing is sent (partial sends are off).
            for (Exception next = failed.getNextException(); next != null;
                 next = next instanceof MessagingException m ? m.getNextException() : null) {
                if (next instanceof SMTPAddressFailedException address) {
                    MailTransportException translated = SmtpReplies.sendRefused(address.getReturnCode(), address.getMessage(),
                            "RCPT TO", pool.upn);
                    if (translated.kind() == Kind.REJECTED) {
                        return new MailTransportException(Kind.REJECTED, "SmtpInvalidRecipients", "Exchange refused recipient "
                                + address.getAddress() + " ('" + SmtpReplies.oneLine(address.getMessage()) + "'); nothing was sent",
                                null, e);
                    }
                    return translated;
                }
            }
            return new MailTransportException(Kind.REJECTED, "SmtpRejected", "Exchange refused the message ("
                    + SmtpReplies.oneLine(e.getMessage()) + ")", null, e);
        }
        Throwable cause = rootCause(e);
        return new MailTransportException(Kind.OUTCOME_UNKNOWN, cause instanceof InterruptedIOException ? "SmtpTimeout" : "SmtpConnectionLost",
                "the SMTP session with " + settings.host() + " broke (" + cause.getClass().getSimpleName() + ") while sending;"
                        + " the message may or may not have been sent (tracking id " + trackingId + ")", null, e);
    }

    /** MAIL FROM refused because the session is not (or no longer) authenticated. */
    private static boolean isSessionRefused(MessagingException e) {
        int code = returnCode(e);
        String command = e instanceof SMTPSendFailedException f ? f.getCommand()
                : e instanceof SMTPSenderFailedException s ? s.getCommand() : null;
        boolean mailFrom = command != null && command.toUpperCase(Locale.ROOT).startsWith("MAIL FROM");
        return mailFrom && (code == 530 || code == 535 || code == 421 || code == 454);
    }

    private static int returnCode(MessagingException e) {
        if (e instanceof SMTPSendFailedException f) {
            return f.getReturnCode();
        }
        if (e instanceof SMTPSenderFailedException s) {
            return s.getReturnCode();
        }
        return -1;
    }

    private MimeMessage message(MailboxConnections pool, SendMailCommand command, String trackingId) {
        if (command.content() instanceof EmailMessage m) {
            return mimeFactory.create(new Mailbox(pool.upn), m, trackingId);
        }
        try {
            // Parsed only to hand it to the transport: written out unchanged except the Bcc header.
            return new MimeMessage(pool.session, new ByteArrayInputStream(((MimeContent) command.content()).mime()));
        } catch (MessagingException e) {
            throw new MailTransportException(Kind.REJECTED, "InvalidMime", "the MIME message could not be read: " + e.getMessage(), null, e);
        }
    }

    private static Address[] envelope(SendMailCommand command) {
        List<EmailAddress> all = new ArrayList<>();
        if (command.content() instanceof EmailMessage m) {
            all.addAll(m.to());
            all.addAll(m.cc());
            all.addAll(m.bcc());
        } else {
            all.addAll(((MimeContent) command.content()).recipients());
        }
        Address[] out = new Address[all.size()];
        for (int i = 0; i < out.length; i++) {
            try {
                out[i] = new InternetAddress(all.get(i).address(), true);
            } catch (AddressException e) {
                throw new MailTransportException(Kind.REJECTED, "InvalidRecipient", "recipient " + all.get(i).address()
                        + " is not a valid SMTP address", null, e);
            }
        }
        return out;
    }

    private static Throwable rootCause(Throwable e) {
        Throwable cause = e;
        while (cause.getCause() != null && cause.getCause() != cause) {
            cause = cause.getCause();
        }
        if (cause == e && e instanceof MessagingException m && m.getNextException() != null) {
            return rootCause(m.getNextException());
        }
        return cause;
    }

    private static void close(Connection connection) {
        if (connection != null) {
            close(connection.transport());
        }
    }

    private static void close(SMTPTransport transport) {
        try {
            transport.close();
        } catch (MessagingException | RuntimeException e) {
            LOG.debugf("smtp: closing a connection failed: %s", e.getMessage());
        }
    }

    /** Closes the idle connections (QUIT); connections in use are closed when their send ends. */
    @Override
    public void close() {
        for (MailboxConnections pool : mailboxes.values()) {
            synchronized (pool) {
                pool.idle.forEach(SmtpMailSender::close);
                pool.idle.clear();
            }
        }
    }
}
