package io.graphmailer.adapter.out.smtp;

import io.graphmailer.adapter.out.identity.AccessTokenProvider;
import io.graphmailer.adapter.out.identity.DelegatedTokenProvider;
import io.graphmailer.adapter.out.mime.MimeMessageFactory;
import io.graphmailer.application.port.out.MailTransport;
import io.graphmailer.config.GraphMailerConfig;
import io.graphmailer.domain.DelegatedMailboxes;
import io.graphmailer.domain.EmailAddress;
import io.graphmailer.domain.EmailMessage;
import io.graphmailer.domain.MailTransportException;
import io.graphmailer.domain.MailTransportException.Kind;
import io.graphmailer.domain.Mailbox;
import io.graphmailer.domain.MimeContent;
import io.graphmailer.domain.SendMailCommand;
import io.graphmailer.domain.SmtpMailboxes;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.inject.Instance;
import jakarta.enterprise.inject.Typed;
import jakarta.inject.Inject;
import jakarta.inject.Singleton;
import jakarta.mail.Address;
import jakarta.mail.MessagingException;
import jakarta.mail.SendFailedException;
import jakarta.mail.internet.AddressException;
import jakarta.mail.internet.InternetAddress;
import jakarta.mail.internet.MimeMessage;
import org.eclipse.angus.mail.smtp.SMTPTransport;
import org.jboss.logging.Logger;

import java.io.ByteArrayInputStream;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;

/**
 * Sends through Exchange Online's SMTP AUTH submission endpoint with {@code AUTH XOAUTH2} ({@link XOAuth2Login}: an app-only
 * token, or for a delegated mailbox the signed-in account's token for {@value #DELEGATED_SMTP_SCOPE}) over
 * connections kept per mailbox ({@link SmtpConnectionPool}); Exchange's replies are read by {@link SmtpReplies}.
 * A reused session that lost its authentication is replaced once with a fresh token, then the send is repeated.
 *
 * <p>A bean of its own type only: it is reached through the routing transport, never as the {@link MailTransport}.
 */
@Singleton
@Typed(SmtpMailSender.class)
public final class SmtpMailSender implements MailTransport, AutoCloseable {
    public static final String SMTP_SCOPE = "https://outlook.office365.com/.default";
    /** A delegated mailbox's SMTP scope: the signed-in account's delegated permission SMTP.Send on Exchange Online. */
    public static final String DELEGATED_SMTP_SCOPE = io.graphmailer.adapter.out.identity.DeviceCodeSignIn.SMTP_SEND;
    /** Exchange's limit of concurrent SMTP AUTH connections per mailbox. */
    public static final int EXCHANGE_MAX_CONNECTIONS = 3;
    private static final Logger LOG = Logger.getLogger(SmtpMailSender.class);

    record Settings(String host, int port, int maxConnectionsPerMailbox, Duration timeout, Duration tokenRefreshMargin) {
        Settings {
            if (maxConnectionsPerMailbox < 1 || maxConnectionsPerMailbox > EXCHANGE_MAX_CONNECTIONS) {
                throw new IllegalArgumentException("between 1 and " + EXCHANGE_MAX_CONNECTIONS + " connections per mailbox");
            }
        }
    }

    private final Settings settings;
    private final XOAuth2Login login;
    private final SmtpConnectionPool connections;
    private final MimeMessageFactory mimeFactory;
    private final SentItemsCopy sentItems;
    /** The span of each send ({@link #send}); no-op until CDI injects the bean. */
    @Inject
    io.graphmailer.application.port.out.Telemetry telemetry = io.graphmailer.application.port.out.Telemetry.NONE;

    /** Reads {@code graph-mailer.smtp}; the Sent Items copy is built only when {@code save-to-sent-items} asks for it. */
    @Inject
    SmtpMailSender(GraphMailerConfig config, SmtpMailboxes mailboxes, AccessTokenProvider tokens, MimeMessageFactory mimeFactory,
                   Instance<SentItemsCopy> sentItems, DelegatedMailboxes delegated, Instance<DelegatedTokenProvider> delegatedTokens) {
        this(settings(config.smtp()), mailboxes.mailboxes().stream().map(Mailbox::id).toList(), config.clientId().orElse("(no GRAPH_MAILER_CLIENT_ID)"),
                tokens, mimeFactory, config.smtp().saveToSentItems() ? sentItems.get() : null, Clock.systemUTC(), delegated,
                delegatedTokens::get, DELEGATED_SMTP_SCOPE);
    }

    /**
     * @param upns      the mailboxes sent through SMTP, each exactly as its UPN (used for {@code user=} and MAIL FROM)
     * @param sentItems saves a copy to Sent Items after each send, or null to leave that to Exchange
     */
    SmtpMailSender(Settings settings, Collection<String> upns, String clientId, AccessTokenProvider tokens,
                   MimeMessageFactory mimeFactory, SentItemsCopy sentItems, Clock clock) {
        this(settings, upns, clientId, tokens, mimeFactory, sentItems, clock, DelegatedMailboxes.NONE, () -> {
            throw new IllegalStateException("no delegated mailboxes");
        }, DELEGATED_SMTP_SCOPE);
    }

    /**
     * @param delegated       the mailboxes among {@code upns} that log in with a signed-in account's delegated token
     * @param delegatedTokens their token provider, asked on a delegated mailbox's first login
     * @param delegatedScope  the scope asked for ({@value #DELEGATED_SMTP_SCOPE})
     */
    SmtpMailSender(Settings settings, Collection<String> upns, String clientId, AccessTokenProvider tokens,
                   MimeMessageFactory mimeFactory, SentItemsCopy sentItems, Clock clock, DelegatedMailboxes delegated,
                   java.util.function.Supplier<DelegatedTokenProvider> delegatedTokens, String delegatedScope) {
        this.settings = settings;
        this.login = new XOAuth2Login(settings.host(), settings.port(), settings.timeout(), settings.tokenRefreshMargin(), clientId,
                tokens, clock, delegated, delegatedTokens, delegatedScope);
        this.connections = new SmtpConnectionPool(upns, login, settings.maxConnectionsPerMailbox(), settings.timeout());
        this.mimeFactory = mimeFactory;
        this.sentItems = sentItems;
    }

    private static Settings settings(GraphMailerConfig.Smtp smtp) {
        return new Settings(smtp.host(), smtp.port(), smtp.maxConnectionsPerMailbox(), smtp.timeout(), XOAuth2Login.TOKEN_REFRESH_MARGIN);
    }

    @Override
    public String name() {
        return "smtp";
    }

    /** The SMTP mailboxes, as configured (UPNs). */
    public List<String> mailboxUpns() {
        return connections.upns();
    }

    /**
     * The doctor's login: always a new connection (never a pooled one, which would prove only that an old
     * login still holds), STARTTLS, {@code AUTH XOAUTH2}, then QUIT; nothing is sent and the pool is untouched.
     * It takes one of the mailbox's connection permits and makes room among the idle ones: together with sends it
     * never exceeds Exchange's 3 per mailbox.
     *
     * @return what the server saw: host, TLS and its answer to AUTH
     */
    public String verifyLogin(Mailbox mailbox) {
        SmtpConnectionPool.MailboxConnections pool = connections.of(mailbox);
        connections.acquire(pool);
        try {
            connections.makeRoom(pool);
            SmtpConnection connection = login.open(pool.session, pool.upn);
            try {
                SMTPTransport transport = connection.transport();
                return "new connection to " + login.where() + ", "
                        + (transport.isSSL() ? "STARTTLS done" : "no TLS") + ", AUTH XOAUTH2 answered '"
                        + SmtpReplies.oneLine(transport.getLastServerResponse()) + "'";
            } finally {
                connection.close(); // QUIT
            }
        } finally {
            connections.release(pool);
        }
    }

    /** One send as one span (connect, STARTTLS and AUTH when no pooled connection serves it, then MAIL FROM to DATA). */
    @Override
    public void send(SendMailCommand command, String trackingId) {
        try (var call = telemetry.call("smtp", "send").set(io.graphmailer.application.port.out.Telemetry.Attribute.HOST, settings.host())) {
            try {
                submit(command, trackingId);
                call.set(io.graphmailer.application.port.out.Telemetry.Attribute.REPLY_CODE, 250);
            } catch (MailTransportException e) {
                for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
                    if (t instanceof MessagingException m && SmtpReplies.returnCode(m) > 0) {
                        call.set(io.graphmailer.application.port.out.Telemetry.Attribute.REPLY_CODE, SmtpReplies.returnCode(m));
                        break;
                    }
                }
                call.failed(e.code());
                throw e;
            }
        }
    }

    private void submit(SendMailCommand command, String trackingId) {
        SmtpConnectionPool.MailboxConnections pool = connections.of(command.mailbox());
        MimeMessage message = message(pool, command, trackingId);
        Address[] envelope = envelope(command);
        connections.acquire(pool);
        try {
            SmtpConnection connection = connections.checkout(pool);
            try {
                connection.transport().sendMessage(message, envelope);
            } catch (SendFailedException e) {
                connection.close();
                if (!(connection.reused() && SmtpReplies.isSessionRefused(e))) {
                    throw SmtpReplies.sendFailed(e, pool.upn, settings.host(), trackingId);
                }
                // The session lost its authentication (token expired or revoked): nothing was accepted, so
                // reconnect with a fresh token and send once more.
                LOG.infof("smtp: session of %s refused MAIL FROM (%d); reconnecting with a fresh token", pool.upn,
                        SmtpReplies.returnCode(e));
                connection = login.openWithFreshToken(pool.session, pool.upn);
                try {
                    connection.transport().sendMessage(message, envelope);
                } catch (MessagingException again) {
                    connection.close();
                    throw SmtpReplies.sendFailed(again, pool.upn, settings.host(), trackingId);
                }
            } catch (MessagingException e) {
                connection.close();
                throw SmtpReplies.sendFailed(e, pool.upn, settings.host(), trackingId);
            }
            connections.giveBack(pool, connection);
            LOG.infof("smtp: message %s from %s accepted", trackingId, pool.upn);
        } finally {
            connections.release(pool);
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

    private MimeMessage message(SmtpConnectionPool.MailboxConnections pool, SendMailCommand command, String trackingId) {
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

    /** Closes the idle connections (QUIT) at shutdown; connections in use are closed when their send ends. */
    @Override
    @PreDestroy
    public void close() {
        connections.close();
    }
}
