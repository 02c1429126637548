package io.graphmailer.adapter.out.smtp;

import io.graphmailer.domain.MailTransportException;
import io.graphmailer.domain.MailTransportException.Kind;
import io.graphmailer.domain.Mailbox;
import jakarta.mail.Session;
import org.jboss.logging.Logger;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Collection;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;

/**
 * The SMTP connections kept per mailbox for the next sends, at most {@code maxPerMailbox} at once (Exchange allows 3
 * per mailbox): a permit per connection in use, idle ones reused when their token is still good and the server
 * still answers NOOP. A delegated mailbox's connections are keyed by its token too: one logged in with a token the stored
 * sign-in no longer gives is closed, not reused.
 */
final class SmtpConnectionPool implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(SmtpConnectionPool.class);

    /** The connections of one mailbox. */
    static final class MailboxConnections {
        final String upn;
        final Session session;
        private final Semaphore permits;
        private final Deque<SmtpConnection> idle = new ArrayDeque<>();
        private final int max;

        private MailboxConnections(String upn, Session session, int max) {
            this.upn = upn;
            this.session = session;
            this.max = max;
            this.permits = new Semaphore(max, true);
        }
    }

    private final XOAuth2Login login;
    private final int maxPerMailbox;
    private final Duration wait;
    private final Map<String, MailboxConnections> byKey = new LinkedHashMap<>();

    /** @param upns each exactly as its UPN (used for {@code user=} and MAIL FROM) */
    SmtpConnectionPool(Collection<String> upns, XOAuth2Login login, int maxPerMailbox, Duration wait) {
        this.login = login;
        this.maxPerMailbox = maxPerMailbox;
        this.wait = wait;
        for (String upn : upns) {
            String trimmed = upn.trim();
            byKey.put(new Mailbox(trimmed).key(), new MailboxConnections(trimmed, login.session(trimmed), maxPerMailbox));
        }
    }

    /** The SMTP mailboxes, as configured (UPNs). */
    List<String> upns() {
        return byKey.values().stream().map(p -> p.upn).sorted().toList();
    }

    MailboxConnections of(Mailbox mailbox) {
        MailboxConnections pool = byKey.get(mailbox.key());
        if (pool == null) {
            throw new MailTransportException(Kind.CONFIGURATION, "SmtpMailboxNotConfigured", mailbox
                    + " is not on GRAPH_MAILER_SMTP_MAILBOXES");
        }
        return pool;
    }

    /** Takes one of the mailbox's connection permits, waiting at most the SMTP timeout; {@link #release} gives it back. */
    void acquire(MailboxConnections pool) {
        try {
            if (!pool.permits.tryAcquire(Math.max(1, wait.toMillis()), TimeUnit.MILLISECONDS)) {
                throw new MailTransportException(Kind.TRANSIENT, "SmtpConnectionsBusy", "all " + maxPerMailbox
                        + " SMTP connections of " + pool.upn + " stayed busy for " + wait.toSeconds()
                        + " s; try again later", SmtpReplies.CONNECTION_LIMIT_RETRY, null);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new MailTransportException(Kind.TRANSIENT, "Interrupted", "interrupted while waiting for an SMTP connection", null, e);
        }
    }

    void release(MailboxConnections pool) {
        pool.permits.release();
    }

    /** An idle connection that is still good, or a new one (the caller holds a permit). */
    SmtpConnection checkout(MailboxConnections pool) {
        while (true) {
            SmtpConnection idle;
            synchronized (pool) {
                idle = pool.idle.poll();
            }
            if (idle == null) {
                return login.open(pool.session, pool.upn);
            }
            if (!login.stillCurrent(idle, pool.upn)) {
                LOG.debugf("smtp: token of an idle connection of %s (expires %s) is due or replaced; reconnecting", pool.upn,
                        idle.token().expiresOn());
                idle.close();
            } else if (!idle.transport().isConnected()) { // NOOP: the server may have closed an idle session
                idle.close();
            } else {
                return idle.reuse();
            }
        }
    }

    /** Keeps a connection that just carried a send for the next one. */
    void giveBack(MailboxConnections pool, SmtpConnection connection) {
        synchronized (pool) {
            pool.idle.push(connection);
        }
    }

    /**
     * For a login beside the pool (the caller holds a permit): when in-use and idle connections would exceed the limit,
     * the oldest idle connection is closed first, so logins and sends together never exceed Exchange's limit.
     */
    void makeRoom(MailboxConnections pool) {
        SmtpConnection spare = null;
        synchronized (pool) {
            int inUse = pool.max - pool.permits.availablePermits(); // the caller's permit included
            if (inUse + pool.idle.size() > pool.max) {
                spare = pool.idle.pollLast();
            }
        }
        if (spare != null) {
            spare.close();
        }
    }

    /** Closes the idle connections (QUIT); connections in use are closed when their send ends. */
    @Override
    public void close() {
        for (MailboxConnections pool : byKey.values()) {
            synchronized (pool) {
                pool.idle.forEach(SmtpConnection::close);
                pool.idle.clear();
            }
        }
    }
}
