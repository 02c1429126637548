package io.graphmailer.standin;

import org.subethamail.smtp.AuthenticationHandler;
import org.subethamail.smtp.AuthenticationHandlerFactory;
import org.subethamail.smtp.MessageContext;
import org.subethamail.smtp.MessageHandler;
import org.subethamail.smtp.RejectException;
import org.subethamail.smtp.server.SMTPServer;
import org.subethamail.smtp.server.Session;
import org.subethamail.smtp.server.SessionHandler;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import javax.net.ssl.SSLSocket;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Stand-in for Exchange Online's SMTP AUTH submission endpoint ({@code smtp.office365.com:587}): a real SMTP
 * server (SubEthaSMTP) on 127.0.0.1 that offers STARTTLS with the stand-in server certificate ({@code localhost})
 * and accepts only {@code AUTH XOAUTH2}, checking what Exchange checks:
 * <ul>
 *   <li>TLS was started before AUTH (a client that authenticates in plain text is recorded and refused);</li>
 *   <li>the token's RS256 signature by the identity stand-in, issuer, lifetime, audience
 *       {@code https://outlook.office365.com} and role {@code SMTP.SendAsApp};</li>
 *   <li>{@code user=} is exactly the UPN of a mailbox the app may send as;</li>
 *   <li>or, for a delegated (user) token: audience {@code https://outlook.office.com} (or office365), scope
 *       {@code SMTP.Send} in {@code scp}, and {@code user=} the token's own account or a mailbox that account has Send As
 *       on ({@link #grantSendAs}; Microsoft's shared-mailbox rule: the shared mailbox's address with the user's token);</li>
 *   <li>at most 3 authenticated sessions per mailbox ({@code 432 4.3.2} at MAIL FROM beyond).</li>
 * </ul>
 * Reply texts are modelled on Exchange's; see the stand-in README for which are unverified.
 */
public final class SmtpStandin implements AutoCloseable {
    public static final String SMTP_SEND_AS_APP = "SMTP.SendAsApp";
    /** The delegated permission a user token needs in {@code scp}. */
    public static final String SMTP_SEND = "SMTP.Send";
    /** The audience of delegated Exchange tokens (scope https://outlook.office.com/SMTP.Send). */
    public static final String DELEGATED_AUDIENCE = "https://outlook.office.com";
    public static final String AUTH_UNSUCCESSFUL = "535 5.7.3 Authentication unsuccessful";
    public static final String AUTH_DISABLED_FOR_TENANT =
            "535 5.7.139 Authentication unsuccessful, SmtpClientAuthentication is disabled for the Tenant.";
    public static final String CONNECTION_LIMIT = "432 4.3.2 STOREDRV.ClientSubmit; sender thread limit exceeded";
    public static final String NOT_AUTHENTICATED = "530 5.7.57 Client not authenticated to send mail";

    /** One AUTH XOAUTH2 attempt as the server saw it (never the token itself). */
    public record AuthSeen(String sessionId, boolean tlsStarted, String user, String audience, List<String> roles,
                           String appId, Instant expiresOn, String reply, List<String> scopes) {
        public boolean succeeded() {
            return reply.startsWith("235");
        }
    }

    /** One accepted message: envelope and the bytes after DATA. */
    public record Received(String sessionId, String user, String from, List<String> recipients, byte[] data) {
        public String text() {
            return new String(data, StandardCharsets.ISO_8859_1);
        }
    }

    private final IdentityPlatformStandin identity;
    private final AccessTokenVerifier verifier;
    private final boolean offerStartTls;
    private final Map<String, String> mailboxesByAppId = new ConcurrentHashMap<>();
    /** "mailbox|account" pairs: the account may send as the (shared) mailbox with its delegated token. */
    private final Set<String> sendAs = ConcurrentHashMap.newKeySet();
    private final List<AuthSeen> auths = new CopyOnWriteArrayList<>();
    private final List<Received> received = new CopyOnWriteArrayList<>();
    private final Map<String, String> userBySession = new ConcurrentHashMap<>();
    private final Map<String, Instant> tokenExpiryBySession = new ConcurrentHashMap<>();
    private final Map<String, AtomicInteger> openSessionsByUser = new ConcurrentHashMap<>();
    private final Map<String, AtomicInteger> maxSessionsByUser = new ConcurrentHashMap<>();
    private final AtomicInteger connections = new AtomicInteger();
    private final Deque<String> dataReplies = new ArrayDeque<>();
    private volatile String authReply;
    private volatile int maxSessionsPerUser = 3;
    private volatile Duration dataDelay = Duration.ZERO;
    private SMTPServer server;

    private static SmtpStandin shared;
    private static final String PARKED = "standin-parked-";
    private final Map<String, String> parked = new ConcurrentHashMap<>();
    private final AtomicInteger parkedCount = new AtomicInteger();

    /** One started stand-in per class loader, with the shared identity stand-in's keys; call {@link #reset()} per test. */
    public static synchronized SmtpStandin shared() {
        if (shared == null) {
            shared = new SmtpStandin(Standins.shared().identity()).start();
        }
        return shared;
    }

    /** With STARTTLS, as Exchange. */
    public SmtpStandin(IdentityPlatformStandin identity) {
        this(identity, true);
    }

    /**
     * @param offerStartTls false for a server that offers no STARTTLS but advertises AUTH in plain text: a client
     *                      must refuse it rather than send its token unencrypted
     */
    public SmtpStandin(IdentityPlatformStandin identity, boolean offerStartTls) {
        this.identity = identity;
        this.offerStartTls = offerStartTls;
        this.verifier = new AccessTokenVerifier(identity, Set.of(IdentityPlatformStandin.EXCHANGE_RESOURCE,
                IdentityPlatformStandin.EXCHANGE_RESOURCE + "/", IdentityPlatformStandin.EXCHANGE_APP_ID,
                DELEGATED_AUDIENCE, DELEGATED_AUDIENCE + "/"), Duration.ZERO);
    }

    public synchronized SmtpStandin start() {
        SMTPServer.Builder builder = SMTPServer.port(0)
                .bindAddress(StandinServer.LOOPBACK)
                .hostName("localhost")
                .softwareName("graph-mailer Exchange SMTP stand-in")
                .authenticationHandlerFactory(new XOAuth2Factory())
                .requireAuth(true)
                .insertReceivedHeaders(false)
                .messageHandlerFactory(Transaction::new)
                .sessionHandler(new Sessions())
                .connectionTimeout(30, java.util.concurrent.TimeUnit.SECONDS);
        if (offerStartTls) {
            javax.net.ssl.SSLSocketFactory tls = StandinPki.shared().serverSslContext().getSocketFactory();
            builder.enableTLS(true).requireTLS(true).startTlsSocketFactory(socket -> {
                InetSocketAddress remote = (InetSocketAddress) socket.getRemoteSocketAddress();
                SSLSocket s = (SSLSocket) tls.createSocket(socket, remote.getHostString(), socket.getPort(), true);
                s.setUseClientMode(false);
                return new LongAuthLineSocket(s, this::park);
            });
        } else {
            builder.enableTLS(false).showAuthCapabilitiesBeforeSTARTTLS(true);
        }
        server = builder.build();
        server.start();
        return this;
    }

    public synchronized void stop() {
        if (server != null) {
            server.stop();
            server = null;
        }
    }

    @Override
    public void close() {
        stop();
    }

    public int port() {
        return server.getPortAllocated();
    }

    // ---------------------------------------------------------------- configuration API

    /** App {@code appId}'s service principal has rights on {@code upn} (Exchange: New-ServicePrincipal + Add-MailboxPermission). */
    public void allowMailbox(String appId, String upn) {
        mailboxesByAppId.put(appId + "|" + upn, upn);
    }

    /** {@code account} has Send As on the shared {@code mailbox}: its delegated token may log in with {@code user=} the mailbox. */
    public void grantSendAs(String mailbox, String account) {
        sendAs.add(mailbox.toLowerCase(java.util.Locale.ROOT) + "|" + account.toLowerCase(java.util.Locale.ROOT));
    }

    /** Every AUTH is answered with {@code reply} (e.g. {@link #AUTH_DISABLED_FOR_TENANT}) until {@link #reset()}. */
    public void failAuth(String reply) {
        this.authReply = reply;
    }

    /** The next DATA is answered with {@code reply} (e.g. {@code 554 5.2.0 ...}) instead of 250. */
    public synchronized void failNextData(String reply) {
        dataReplies.add(reply);
    }

    public void maxSessionsPerUser(int max) {
        this.maxSessionsPerUser = max;
    }

    /** Holds each DATA this long before answering, so concurrent sends overlap. */
    public void dataDelay(Duration delay) {
        this.dataDelay = delay;
    }

    /** Forgets what was seen and any faults; keeps allowed mailboxes. */
    public synchronized void reset() {
        auths.clear();
        received.clear();
        dataReplies.clear();
        authReply = null;
        maxSessionsPerUser = 3;
        dataDelay = Duration.ZERO;
        connections.set(0);
        maxSessionsByUser.clear();
        sendAs.clear();
    }

    // ---------------------------------------------------------------- observation API

    public List<AuthSeen> auths() {
        return List.copyOf(auths);
    }

    public List<Received> received() {
        return List.copyOf(received);
    }

    /** TCP connections accepted since the last reset. */
    public int connections() {
        return connections.get();
    }

    /** The most authenticated sessions {@code user} had open at once. */
    public int maxConcurrentSessions(String user) {
        AtomicInteger max = maxSessionsByUser.get(user);
        return max == null ? 0 : max.get();
    }

    // ---------------------------------------------------------------- protocol

    /** A long XOAUTH2 payload, kept for the handler (see {@link LongAuthLineSocket}); returns its reference. */
    private String park(String payload) {
        String reference = PARKED + parkedCount.incrementAndGet();
        parked.put(reference, payload);
        return reference;
    }

    private final class Sessions implements SessionHandler {
        @Override
        public SessionAcceptance accept(Session session) {
            connections.incrementAndGet();
            return SessionAcceptance.success();
        }

        @Override
        public void onSessionEnd(Session session) {
            tokenExpiryBySession.remove(session.getSessionId());
            String user = userBySession.remove(session.getSessionId());
            if (user != null) {
                openSessionsByUser.get(user).decrementAndGet();
            }
        }
    }

    private final class XOAuth2Factory implements AuthenticationHandlerFactory {
        @Override
        public List<String> getAuthenticationMechanisms() {
            return List.of("XOAUTH2");
        }

        @Override
        public AuthenticationHandler create() {
            return new XOAuth2();
        }
    }

    /** SASL XOAUTH2: {@code base64("user=" upn ^A "auth=Bearer " token ^A ^A)}, as initial response or after 334. */
    private final class XOAuth2 implements AuthenticationHandler {
        private String user;

        @Override
        public Optional<String> auth(String clientInput, MessageContext context) throws RejectException {
            String response = clientInput.trim();
            if (response.regionMatches(true, 0, "AUTH ", 0, 5)) {
                String[] words = response.split(" ");
                if (words.length < 3) {
                    return Optional.of("334 ");
                }
                response = words[2];
            }
            if (response.startsWith(PARKED)) {
                response = parked.remove(response);
            }
            Session session = (Session) context;
            String decoded;
            try {
                decoded = new String(Base64.getDecoder().decode(response), StandardCharsets.UTF_8);
            } catch (IllegalArgumentException e) {
                throw reject(session, null, null, "501 5.5.2 Cannot decode response");
            }
            String[] parts = decoded.split("\u0001");
            String upn = parts.length > 0 && parts[0].startsWith("user=") ? parts[0].substring(5) : null;
            String bearer = parts.length > 1 && parts[1].startsWith("auth=") ? parts[1].substring(5) : null;
            if (!session.isTLSStarted()) {
                throw reject(session, upn, null, "530 5.7.0 Must issue a STARTTLS command first");
            }
            AccessTokenVerifier.Result token = verifier.verify(bearer);
            String fault = authReply;
            if (fault != null) {
                throw reject(session, upn, token, fault);
            }
            String appId = token.claim("appid");
            if (token.hasClaim("scp")) {
                // A delegated token: Exchange checks its scope and that user= is the account itself or a mailbox it may send as.
                String account = token.claim("upn");
                boolean scoped = scopes(token).contains(SMTP_SEND);
                boolean asWho = upn != null && account != null && (upn.equalsIgnoreCase(account)
                        || sendAs.contains(upn.toLowerCase(java.util.Locale.ROOT) + "|" + account.toLowerCase(java.util.Locale.ROOT)));
                if (!token.ok() || !scoped || !asWho) {
                    throw reject(session, upn, token, AUTH_UNSUCCESSFUL);
                }
            } else if (!token.ok() || !token.roles().contains(SMTP_SEND_AS_APP) || upn == null
                    || !mailboxesByAppId.containsKey(appId + "|" + upn)) {
                throw reject(session, upn, token, AUTH_UNSUCCESSFUL);
            }
            int open = openSessionsByUser.computeIfAbsent(upn, u -> new AtomicInteger()).incrementAndGet();
            maxSessionsByUser.computeIfAbsent(upn, u -> new AtomicInteger()).accumulateAndGet(open, Math::max);
            userBySession.put(session.getSessionId(), upn);
            tokenExpiryBySession.put(session.getSessionId(), Instant.ofEpochSecond(Jwts.epochSeconds(token.claims().get("exp"))));
            auths.add(seen(session, upn, token, "235 2.7.0 Authentication successful"));
            user = upn;
            return Optional.empty();
        }

        private RejectException reject(Session session, String upn, AccessTokenVerifier.Result token, String reply) {
            auths.add(seen(session, upn, token, reply));
            int code = Integer.parseInt(reply.substring(0, 3));
            return new RejectException(code, reply.substring(4));
        }

        @Override
        public Object getIdentity() {
            return user;
        }
    }

    private AuthSeen seen(Session session, String upn, AccessTokenVerifier.Result token, String reply) {
        Map<String, Object> claims = token == null || token.claims() == null ? Map.of() : token.claims();
        Long exp = Jwts.epochSeconds(claims.get("exp"));
        return new AuthSeen(session.getSessionId(), session.isTLSStarted(), upn,
                claims.get("aud") == null ? null : claims.get("aud").toString(), token == null ? List.of() : token.roles(),
                claims.get("appid") == null ? null : claims.get("appid").toString(),
                exp == null ? null : Instant.ofEpochSecond(exp), reply, token == null ? List.of() : scopes(token));
    }

    private static List<String> scopes(AccessTokenVerifier.Result token) {
        String scp = token.claim("scp");
        return scp == null || scp.isBlank() ? List.of() : List.of(scp.trim().split("\\s+"));
    }

    /** One mail transaction (MAIL FROM .. DATA) of an authenticated session. */
    private final class Transaction implements MessageHandler {
        private final Session session;
        private final String user;
        private String from;
        private final List<String> recipients = new ArrayList<>();

        Transaction(MessageContext context) {
            this.session = (Session) context;
            this.user = userBySession.get(session.getSessionId());
        }

        @Override
        public void from(String address) throws RejectException {
            Instant expiry = tokenExpiryBySession.get(session.getSessionId());
            if (user == null || expiry == null || !expiry.isAfter(Instant.now())) {
                throw new RejectException(530, NOT_AUTHENTICATED.substring(4));
            }
            if (openSessionsByUser.get(user).get() > maxSessionsPerUser) {
                throw new RejectException(432, CONNECTION_LIMIT.substring(4));
            }
            this.from = address;
        }

        @Override
        public void recipient(String recipient) {
            recipients.add(recipient);
        }

        @Override
        public String data(InputStream data) throws RejectException, IOException {
            byte[] bytes = data.readAllBytes();
            if (!dataDelay.isZero()) {
                try {
                    Thread.sleep(dataDelay.toMillis());
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            String reply;
            synchronized (SmtpStandin.this) {
                reply = dataReplies.poll();
            }
            if (reply != null) {
                throw new RejectException(Integer.parseInt(reply.substring(0, 3)), reply.substring(4));
            }
            received.add(new Received(session.getSessionId(), user, from, List.copyOf(recipients), bytes));
            return null;
        }

        @Override
        public void done() {
        }
    }
}
