package io.graphmailer.adapter.out.smtp;

import io.graphmailer.adapter.out.identity.AccessToken;
import io.graphmailer.adapter.out.identity.AccessTokenProvider;
import io.graphmailer.adapter.out.mime.MimeMessageFactory;
import io.graphmailer.domain.Attachment;
import io.graphmailer.domain.BodyType;
import io.graphmailer.domain.EmailAddress;
import io.graphmailer.domain.EmailMessage;
import io.graphmailer.domain.Header;
import io.graphmailer.domain.Importance;
import io.graphmailer.domain.MailLimits;
import io.graphmailer.domain.MailTransportException;
import io.graphmailer.domain.MailTransportException.Kind;
import io.graphmailer.domain.Mailbox;
import io.graphmailer.domain.MimeContent;
import io.graphmailer.domain.SendMailCommand;
import io.graphmailer.standin.IdentityPlatformStandin;
import io.graphmailer.standin.SmtpStandin;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The SMTP transport against a real SMTP server on 127.0.0.1 (the Exchange SMTP stand-in): STARTTLS with the
 * stand-in certificate for {@code localhost}, AUTH XOAUTH2 with tokens signed by the identity stand-in.
 */
class SmtpMailSenderTest {
    private static final String TENANT = "6e9f1c2a-3b4d-4e5f-8a9b-0c1d2e3f4a5b";
    private static final String CLIENT_ID = "3c5d7e9f-1a2b-4c3d-9e8f-7a6b5c4d3e2f";
    private static final String UPN = "Mailer@contoso.test";
    private static final IdentityPlatformStandin IDENTITY = new IdentityPlatformStandin();
    private static SmtpStandin smtp;

    private final MintedTokens tokens = new MintedTokens();

    /** Tokens as the identity platform would issue them for the Exchange resource, counted; no cache. */
    private static final class MintedTokens implements AccessTokenProvider {
        final AtomicInteger requests = new AtomicInteger();
        final List<String> scopes = new ArrayList<>();

        @Override
        public AccessToken token(String scope) {
            synchronized (scopes) {
                scopes.add(scope);
            }
            requests.incrementAndGet();
            return new AccessToken(IDENTITY.mintAppToken(CLIENT_ID, IdentityPlatformStandin.EXCHANGE_RESOURCE),
                    Instant.now().plus(IDENTITY.tokenLifetime()));
        }

        @Override
        public AccessToken freshToken(String scope) {
            return token(scope);
        }
    }

    @BeforeAll
    static void startServer() {
        smtp = new SmtpStandin(IDENTITY).start();
    }

    @AfterAll
    static void stopServer() {
        smtp.stop();
    }

    @BeforeEach
    void reset() {
        IDENTITY.reset();
        IDENTITY.registerApp(TENANT, CLIENT_ID, "9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d", List.of(),
                java.util.Map.of(IdentityPlatformStandin.EXCHANGE_RESOURCE, Set.of(SmtpStandin.SMTP_SEND_AS_APP)));
        smtp.reset();
        smtp.allowMailbox(CLIENT_ID, UPN);
    }

    private SmtpMailSender sender(int maxConnections, Duration refreshMargin, SentItemsCopy sentItems) {
        return new SmtpMailSender(new SmtpMailSender.Settings("localhost", smtp.port(), maxConnections, Duration.ofSeconds(5), refreshMargin),
                List.of(UPN), CLIENT_ID, tokens, new MimeMessageFactory(), sentItems, Clock.systemUTC());
    }

    private SmtpMailSender sender() {
        return sender(3, Duration.ofMinutes(5), null);
    }

    private static EmailAddress address(String a) {
        return new EmailAddress(a, null);
    }

    static SendMailCommand richMessage(String mailbox) {
        EmailMessage m = new EmailMessage("Q3 report", BodyType.HTML, "<h1>Q3</h1><img src=\"cid:logo\">",
                List.of(new EmailAddress("alice@fabrikam.example", "Alice")), List.of(address("bob@fabrikam.example")),
                List.of(address("auditor@fabrikam.example")), List.of(address("finance@contoso.test")), null, Importance.HIGH,
                List.of(new Header("x-report", "q3")),
                List.of(new Attachment("q3.pdf", "application/pdf", "%PDF-1.4 q3".getBytes(StandardCharsets.US_ASCII), false, null),
                        new Attachment("logo.png", "image/png", new byte[] {(byte) 0x89, 'P', 'N', 'G'}, true, "logo")),
                List.of(), false, false);
        return new SendMailCommand(new Mailbox(mailbox), m, true, MailLimits.DEFAULT);
    }

    static SendMailCommand minimal(String mailbox) {
        EmailMessage m = new EmailMessage("hello", BodyType.TEXT, "hi", List.of(address("ops@fabrikam.example")), List.of(), List.of(),
                List.of(), null, null, List.of(), List.of(), List.of(), false, false);
        return new SendMailCommand(new Mailbox(mailbox), m, true, MailLimits.DEFAULT);
    }

    @Test
    void givenJsonMessage_thenSentAfterStartTlsWithXoauth2AsTheMailboxUpnAndTheWholeMessage() {
        try (SmtpMailSender sender = sender()) {
            sender.send(richMessage("mailer@CONTOSO.test"), "0f0e0d0c-0000-4000-8000-000000000001");
        }
        assertThat(smtp.auths()).hasSize(1);
        SmtpStandin.AuthSeen auth = smtp.auths().get(0);
        assertThat(auth.succeeded()).isTrue();
        assertThat(auth.tlsStarted()).as("TLS before AUTH").isTrue();
        assertThat(auth.user()).as("user= is the configured UPN exactly").isEqualTo(UPN);
        assertThat(auth.audience()).isEqualTo(IdentityPlatformStandin.EXCHANGE_RESOURCE);
        assertThat(auth.roles()).containsExactly(SmtpStandin.SMTP_SEND_AS_APP);
        assertThat(auth.appId()).isEqualTo(CLIENT_ID);
        assertThat(tokens.scopes).containsOnly(SmtpMailSender.SMTP_SCOPE);

        SmtpStandin.Received received = smtp.received().get(0);
        assertThat(received.from()).isEqualTo(UPN);
        assertThat(received.recipients()).containsExactlyInAnyOrder("alice@fabrikam.example", "bob@fabrikam.example",
                "auditor@fabrikam.example");
        String text = received.text();
        assertThat(text).contains("Subject: Q3 report", "From: " + UPN, "Reply-To: finance@contoso.test", "x-report: q3",
                "X-Graph-Mailer-Tracking-Id: 0f0e0d0c-0000-4000-8000-000000000001", "Importance: high",
                "multipart/mixed", "multipart/related", "text/html", "Content-ID: <logo>", "filename=q3.pdf", "<h1>Q3</h1>");
        assertThat(text).as("Bcc only in the envelope").doesNotContainIgnoringCase("auditor@").doesNotContain("Bcc:");
    }

    @Test
    void givenMimeForm_thenItsBytesAreSentUnchangedExceptTheBccHeader() {
        String mime = "From: Mailer@contoso.test\r\nTo: ops@fabrikam.example\r\nBcc: hidden@fabrikam.example\r\n"
                + "Subject: raw\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=us-ascii\r\n\r\nhello\r\n.dot line\r\n";
        byte[] bytes = mime.getBytes(StandardCharsets.US_ASCII);
        SendMailCommand command = new SendMailCommand(new Mailbox(UPN), new MimeContent(bytes, "raw",
                List.of(address("ops@fabrikam.example"), address("hidden@fabrikam.example")), 0), false, MailLimits.DEFAULT);
        try (SmtpMailSender sender = sender()) {
            sender.send(command, "t-1");
        }
        SmtpStandin.Received received = smtp.received().get(0);
        assertThat(received.recipients()).containsExactlyInAnyOrder("ops@fabrikam.example", "hidden@fabrikam.example");
        assertThat(received.text()).isEqualTo(mime.replace("Bcc: hidden@fabrikam.example\r\n", ""));
    }

    @Test
    void givenTenSendsInARow_thenOneConnectionOneTokenAndOneAuth() {
        try (SmtpMailSender sender = sender()) {
            for (int i = 0; i < 10; i++) {
                sender.send(minimal(UPN), "t-" + i);
            }
        }
        assertThat(smtp.received()).hasSize(10);
        assertThat(smtp.connections()).isEqualTo(1);
        assertThat(smtp.auths()).hasSize(1);
        assertThat(tokens.requests).hasValue(1);
    }

    @Test
    void givenTwelveConcurrentSends_thenAtMostThreeConnectionsAndAllSent() throws Exception {
        smtp.dataDelay(Duration.ofMillis(200));
        ExecutorService pool = Executors.newFixedThreadPool(12);
        try (SmtpMailSender sender = sender()) {
            List<Future<?>> sends = new ArrayList<>();
            for (int i = 0; i < 12; i++) {
                String id = "t-" + i;
                sends.add(pool.submit(() -> sender.send(minimal(UPN), id)));
            }
            for (Future<?> send : sends) {
                send.get();
            }
        } finally {
            pool.shutdownNow();
        }
        assertThat(smtp.received()).hasSize(12);
        assertThat(smtp.maxConcurrentSessions(UPN)).isBetween(2, 3);
        assertThat(smtp.connections()).isLessThanOrEqualTo(3);
    }

    @Test
    void givenATokenNearExpiryBetweenSends_thenANewConnectionWithAFreshToken() throws Exception {
        IDENTITY.tokenLifetime(Duration.ofSeconds(4));
        try (SmtpMailSender sender = sender(3, Duration.ofSeconds(2), null)) {
            sender.send(minimal(UPN), "t-1");
            sender.send(minimal(UPN), "t-2"); // still 4 s left: reused
            Thread.sleep(2_500);
            sender.send(minimal(UPN), "t-3"); // under 2 s left: replaced
        }
        assertThat(smtp.received()).hasSize(3);
        assertThat(smtp.connections()).isEqualTo(2);
        assertThat(smtp.auths()).hasSize(2).allMatch(SmtpStandin.AuthSeen::succeeded);
        assertThat(smtp.auths().get(1).expiresOn()).isAfter(smtp.auths().get(0).expiresOn());
    }

    @Test
    void givenTheServerEndsTheSessionsAuthenticationMidBatch_thenReconnectsWithAFreshTokenAndSendsOnce() throws Exception {
        IDENTITY.tokenLifetime(Duration.ofSeconds(2));
        try (SmtpMailSender sender = sender(3, Duration.ZERO, null)) {
            sender.send(minimal(UPN), "t-1");
            Thread.sleep(2_200); // the session's token has expired: MAIL FROM gets 530 5.7.57
            sender.send(minimal(UPN), "t-2");
        }
        assertThat(smtp.received()).hasSize(2);
        assertThat(smtp.auths()).hasSize(2);
        assertThat(tokens.requests).hasValue(2);
    }

    @Test
    void givenSmtpAuthDisabledForTheTenant_thenAConfigurationProblemNaming5_7_139AndNoRetry() {
        smtp.failAuth(SmtpStandin.AUTH_DISABLED_FOR_TENANT);
        try (SmtpMailSender sender = sender()) {
            assertThatThrownBy(() -> sender.send(minimal(UPN), "t-1"))
                    .isInstanceOfSatisfying(MailTransportException.class, e -> {
                        assertThat(e.kind()).isEqualTo(Kind.CONFIGURATION);
                        assertThat(e.code()).isEqualTo("SmtpAuthDisabled");
                        assertThat(e.getMessage()).contains("5.7.139", "Set-TransportConfig -SmtpClientAuthenticationDisabled $false");
                    });
        }
        assertThat(smtp.auths()).hasSize(1);
        assertThat(smtp.received()).isEmpty();
    }

    @Test
    void givenATokenWithoutSmtpSendAsApp_thenOneRetryWithAFreshTokenThenTheChecklist() {
        IDENTITY.revokeRoles(CLIENT_ID, IdentityPlatformStandin.EXCHANGE_RESOURCE);
        try (SmtpMailSender sender = sender()) {
            assertThatThrownBy(() -> sender.send(minimal(UPN), "t-1"))
                    .isInstanceOfSatisfying(MailTransportException.class, e -> {
                        assertThat(e.kind()).isEqualTo(Kind.CONFIGURATION);
                        assertThat(e.code()).isEqualTo("SmtpAuthenticationUnsuccessful");
                        assertThat(e.getMessage()).contains("535 5.7.3", "roles none (SMTP.SendAsApp missing",
                                "New-ServicePrincipal -AppId " + CLIENT_ID, "Set-CASMailbox " + UPN + " -SmtpClientAuthenticationDisabled $false",
                                "user= is the mailbox's UPN exactly");
                    });
        }
        assertThat(tokens.requests).hasValue(2);
        assertThat(smtp.auths()).hasSize(2).noneMatch(SmtpStandin.AuthSeen::succeeded);
    }

    @Test
    void givenAMailboxTheAppHasNoRightsOn_then535WithTheChecklistAndTheTokensRoles() {
        smtp.reset(); // keeps the allowed mailbox list: use another UPN the app has no rights on
        SmtpMailSender other = new SmtpMailSender(new SmtpMailSender.Settings("localhost", smtp.port(), 3, Duration.ofSeconds(5),
                Duration.ofMinutes(5)), List.of("ceo@contoso.test"), CLIENT_ID, tokens, new MimeMessageFactory(), null, Clock.systemUTC());
        try (other) {
            assertThatThrownBy(() -> other.send(minimal("ceo@contoso.test"), "t-1"))
                    .isInstanceOfSatisfying(MailTransportException.class, e -> {
                        assertThat(e.code()).isEqualTo("SmtpAuthenticationUnsuccessful");
                        assertThat(e.getMessage()).contains("roles SMTP.SendAsApp,", "Add-MailboxPermission", "(used: ceo@contoso.test)");
                    });
        }
        assertThat(smtp.auths()).allSatisfy(a -> assertThat(a.user()).isEqualTo("ceo@contoso.test"));
    }

    @Test
    void givenTooManyConnectionsForTheMailbox_thenTransientWithRetryAfter() {
        smtp.maxSessionsPerUser(0); // other instances or clients already hold Exchange's 3
        try (SmtpMailSender sender = sender()) {
            assertThatThrownBy(() -> sender.send(minimal(UPN), "t-1"))
                    .isInstanceOfSatisfying(MailTransportException.class, e -> {
                        assertThat(e.kind()).isEqualTo(Kind.TRANSIENT);
                        assertThat(e.code()).isEqualTo("SmtpConcurrentConnectionLimit");
                        assertThat(e.retryAfter()).isPositive();
                        assertThat(e.getMessage()).contains("432 4.3.2");
                    });
        }
        assertThat(smtp.received()).isEmpty();
    }

    @Test
    void given554_5_2_0AfterData_thenRejectedAndTheNextSendWorks() {
        smtp.failNextData("554 5.2.0 STOREDRV.Submission.Exception:SubmissionQuotaExceededException");
        try (SmtpMailSender sender = sender()) {
            assertThatThrownBy(() -> sender.send(minimal(UPN), "t-1"))
                    .isInstanceOfSatisfying(MailTransportException.class, e -> {
                        assertThat(e.kind()).isEqualTo(Kind.REJECTED);
                        assertThat(e.code()).isEqualTo("SmtpRejected");
                        assertThat(e.getMessage()).contains("554 5.2.0", "to the end of DATA");
                    });
            sender.send(minimal(UPN), "t-2");
        }
        assertThat(smtp.received()).hasSize(1);
    }

    @Test
    void givenAMessageOverTheSizeLimit_thenRejectedAsTooLarge() {
        smtp.failNextData("552 5.3.4 Message size exceeds fixed maximum message size");
        try (SmtpMailSender sender = sender()) {
            assertThatThrownBy(() -> sender.send(minimal(UPN), "t-1"))
                    .isInstanceOfSatisfying(MailTransportException.class, e -> {
                        assertThat(e.kind()).isEqualTo(Kind.REJECTED);
                        assertThat(e.code()).isEqualTo("SmtpMessageTooLarge");
                    });
        }
    }

    @Test
    void givenAServerWithoutStartTls_thenNothingIsSentAndTheTokenNeverLeavesInPlainText() {
        try (SmtpStandin plain = new SmtpStandin(IDENTITY, false).start()) {
            plain.allowMailbox(CLIENT_ID, UPN);
            SmtpMailSender sender = new SmtpMailSender(new SmtpMailSender.Settings("localhost", plain.port(), 3, Duration.ofSeconds(5),
                    Duration.ofMinutes(5)), List.of(UPN), CLIENT_ID, tokens, new MimeMessageFactory(), null, Clock.systemUTC());
            assertThatThrownBy(() -> sender.send(minimal(UPN), "t-1"))
                    .isInstanceOfSatisfying(MailTransportException.class, e -> {
                        assertThat(e.kind()).isEqualTo(Kind.CONFIGURATION);
                        assertThat(e.code()).isEqualTo("SmtpStartTlsUnavailable");
                    });
            assertThat(plain.auths()).as("no AUTH without TLS").isEmpty();
            assertThat(plain.received()).isEmpty();
        }
    }

    @Test
    void givenSaveToSentItems_thenACopyIsSavedAfterTheSendAndAFailedCopyDoesNotFailTheSend() {
        List<String> copies = new ArrayList<>();
        AtomicInteger calls = new AtomicInteger();
        SentItemsCopy copy = (mailbox, message, trackingId) -> {
            if (calls.incrementAndGet() == 2) {
                throw new IllegalStateException("Graph answered 403 to the Sent Items copy");
            }
            assertThat(smtp.received()).as("copied only after the send").isNotEmpty();
            copies.add(mailbox.id() + " " + message.subject() + " " + trackingId);
        };
        try (SmtpMailSender sender = sender(3, Duration.ofMinutes(5), copy)) {
            sender.send(minimal("mailer@contoso.test"), "t-1");
            sender.send(minimal(UPN), "t-2");
        }
        assertThat(copies).containsExactly(UPN + " hello t-1");
        assertThat(smtp.received()).hasSize(2);
    }
}
