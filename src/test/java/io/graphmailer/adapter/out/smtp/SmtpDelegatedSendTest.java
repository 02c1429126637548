package io.graphmailer.adapter.out.smtp;

import io.graphmailer.adapter.out.identity.AccessToken;
import io.graphmailer.adapter.out.identity.AccessTokenProvider;
import io.graphmailer.adapter.out.identity.BlobTokenCacheStore;
import io.graphmailer.adapter.out.identity.DelegatedTokenProvider;
import io.graphmailer.adapter.out.identity.DeviceCodeSignIn;
import io.graphmailer.adapter.out.mime.MimeMessageFactory;
import io.graphmailer.domain.BodyType;
import io.graphmailer.domain.DelegatedMailboxes;
import io.graphmailer.domain.EmailAddress;
import io.graphmailer.domain.EmailMessage;
import io.graphmailer.domain.Importance;
import io.graphmailer.domain.MailLimits;
import io.graphmailer.domain.Mailbox;
import io.graphmailer.domain.SendMailCommand;
import io.graphmailer.domain.SignInRequiredException;
import io.graphmailer.domain.SmtpMailboxes;
import io.graphmailer.standin.SmtpStandin;
import io.graphmailer.standin.Standins;
import io.graphmailer.support.TokenCacheStores;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

/**
 * Delegated mailboxes on SMTP AUTH XOAUTH2 against the SMTP stand-in, which checks a delegated token as Exchange does
 * (audience, {@code scp} SMTP.Send, {@code user=} the account or a mailbox it may send as): tokens come from a device code
 * sign-in on the identity stand-in, kept in the encrypted store on Azurite.
 */
class SmtpDelegatedSendTest {
    static final String PUBLIC_CLIENT_ID = "7d6c5b4a-3928-4170-8f6e-5d4c3b2a1908";
    static final String ALICE = "alice@contoso.test";
    static final String HELPDESK = "helpdesk@contoso.test";
    private static SmtpStandin smtp;
    private final Standins standins = Standins.shared();
    private final String container = TokenCacheStores.newContainer();
    private final DelegatedMailboxes delegated = DelegatedMailboxes.of(List.of(ALICE, HELPDESK + ":" + ALICE));
    private final SmtpMailboxes onSmtp = SmtpMailboxes.of(List.of(ALICE, HELPDESK));

    /** App-only tokens are never asked for a delegated mailbox. */
    private static final AccessTokenProvider NO_APP_TOKENS = new AccessTokenProvider() {
        @Override
        public AccessToken token(String scope) {
            throw new AssertionError("an app-only token was asked for a delegated mailbox");
        }

        @Override
        public AccessToken freshToken(String scope) {
            return token(scope);
        }
    };

    @BeforeAll
    static void startServer() {
        smtp = new SmtpStandin(Standins.shared().identity()).start();
    }

    @AfterAll
    static void stopServer() {
        smtp.stop();
    }

    @BeforeEach
    void reset() {
        standins.reset();
        smtp.reset();
        standins.keyVault().createKey("graph-mailer-token-cache");
        standins.keyVault().grantCryptoUser(standins.functionIdentityOid());
        standins.identity().delegated().registerPublicClient(Standins.TENANT_ID, PUBLIC_CLIENT_ID);
        standins.identity().delegated().registerUser(ALICE, UUID.randomUUID().toString(),
                Set.of(DeviceCodeSignIn.SMTP_SEND, DeviceCodeSignIn.GRAPH_MAIL_SEND));
    }

    private BlobTokenCacheStore store() {
        return TokenCacheStores.at(container);
    }

    private void signIn(String mailbox, SmtpMailboxes smtpMailboxes) {
        new DeviceCodeSignIn(delegated, smtpMailboxes, store(), standins.identity().baseUrl(), Standins.TENANT_ID, PUBLIC_CLIENT_ID,
                Clock.systemUTC()).signIn(new Mailbox(mailbox), prompt -> standins.identity().delegated().approve(prompt.userCode(), ALICE));
    }

    private DelegatedTokenProvider tokens() {
        return new DelegatedTokenProvider(delegated, store(), standins.identity().baseUrl(), Standins.TENANT_ID, PUBLIC_CLIENT_ID,
                Clock.systemUTC());
    }

    private SmtpMailSender sender(DelegatedTokenProvider tokens, String scope) {
        return new SmtpMailSender(new SmtpMailSender.Settings("localhost", smtp.port(), 3, Duration.ofSeconds(5), Duration.ofMinutes(5)),
                List.of(ALICE, HELPDESK), Standins.CLIENT_ID, NO_APP_TOKENS, new MimeMessageFactory(), null, Clock.systemUTC(), delegated,
                () -> tokens, scope);
    }

    private static SendMailCommand command(String mailbox) {
        EmailMessage m = new EmailMessage("Invoice 7", BodyType.TEXT, "hello", List.of(new EmailAddress("ops@fabrikam.example", null)),
                List.of(), List.of(), List.of(), null, Importance.NORMAL, List.of(), List.of(), List.of(), false, false);
        return new SendMailCommand(new Mailbox(mailbox), m, false, MailLimits.DEFAULT);
    }

    @Test
    void givenADelegatedSmtpMailbox_thenItLogsInAsItselfWithTheSignedInAccountsSmtpSendToken() {
        signIn(ALICE, onSmtp);

        try (SmtpMailSender sender = sender(tokens(), SmtpMailSender.DELEGATED_SMTP_SCOPE)) {
            sender.send(command(ALICE), "t-1");
        }

        assertThat(smtp.auths()).singleElement().satisfies(a -> {
            assertThat(a.succeeded()).isTrue();
            assertThat(a.user()).isEqualTo(ALICE);
            assertThat(a.audience()).isEqualTo(SmtpStandin.DELEGATED_AUDIENCE);
            assertThat(a.scopes()).containsExactly(SmtpStandin.SMTP_SEND);
            assertThat(a.appId()).isEqualTo(PUBLIC_CLIENT_ID);
        });
        assertThat(smtp.received()).singleElement().satisfies(r -> {
            assertThat(r.user()).isEqualTo(ALICE);
            assertThat(r.from()).isEqualTo(ALICE);
        });
    }

    @Test
    void givenASharedMailboxTheAccountMaySendAs_thenUserIsTheSharedMailboxWithTheAccountsToken() {
        smtp.grantSendAs(HELPDESK, ALICE);
        signIn(HELPDESK, onSmtp);

        try (SmtpMailSender sender = sender(tokens(), SmtpMailSender.DELEGATED_SMTP_SCOPE)) {
            sender.send(command(HELPDESK), "t-2");
        }

        assertThat(smtp.auths()).singleElement().satisfies(a -> {
            assertThat(a.succeeded()).isTrue();
            assertThat(a.user()).isEqualTo(HELPDESK);
        });
        assertThat(smtp.received()).singleElement().satisfies(r -> assertThat(r.from()).isEqualTo(HELPDESK));
    }

    @Test
    void givenASharedMailboxWithoutSendAs_thenExchangeRefusesAndTheErrorNamesSendAsAndTheCommand() {
        signIn(HELPDESK, onSmtp);

        SignInRequiredException e;
        try (SmtpMailSender sender = sender(tokens(), SmtpMailSender.DELEGATED_SMTP_SCOPE)) {
            e = catchThrowableOfType(SignInRequiredException.class, () -> sender.send(command(HELPDESK), "t-3"));
        }

        assertThat(smtp.auths()).isNotEmpty().allSatisfy(a -> assertThat(a.reply()).isEqualTo(SmtpStandin.AUTH_UNSUCCESSFUL));
        assertThat(e.mailbox()).isEqualTo(new Mailbox(HELPDESK));
        assertThat(e.getMessage()).contains("535 5.7.3").contains(ALICE + " needs Send As on " + HELPDESK)
                .endsWith("Run: graph-mailer signin " + HELPDESK);
        assertThat(smtp.received()).isEmpty();
    }

    @Test
    void givenATokenWithTheGraphScopeOnly_thenExchangeRefusesAndTheErrorNamesTheSmtpScopeAndTheCommand() {
        signIn(ALICE, SmtpMailboxes.NONE); // signed in for Graph's Mail.Send

        SignInRequiredException e;
        try (SmtpMailSender sender = sender(tokens(), DeviceCodeSignIn.GRAPH_MAIL_SEND)) {
            e = catchThrowableOfType(SignInRequiredException.class, () -> sender.send(command(ALICE), "t-4"));
        }

        assertThat(smtp.auths()).isNotEmpty().allSatisfy(a -> {
            assertThat(a.reply()).isEqualTo(SmtpStandin.AUTH_UNSUCCESSFUL);
            assertThat(a.scopes()).doesNotContain(SmtpStandin.SMTP_SEND);
        });
        assertThat(e.code()).isEqualTo("SmtpDelegatedAuthenticationUnsuccessful");
        assertThat(e.getMessage()).contains("scp Mail.Send").contains("the token lacks scope https://outlook.office.com/SMTP.Send")
                .endsWith("Run: graph-mailer signin " + ALICE);
        assertThat(smtp.received()).isEmpty();
    }

    @Test
    void givenAnExchangeTokenWithoutSmtpSend_thenExchangeRefusesItForItsScope() {
        String imap = "https://outlook.office.com/IMAP.AccessAsUser.All";
        standins.identity().delegated().registerUser(ALICE, UUID.randomUUID().toString(), Set.of(DeviceCodeSignIn.SMTP_SEND, imap));
        signIn(ALICE, onSmtp);

        SignInRequiredException e;
        try (SmtpMailSender sender = sender(tokens(), imap)) {
            e = catchThrowableOfType(SignInRequiredException.class, () -> sender.send(command(ALICE), "t-9"));
        }

        assertThat(smtp.auths()).isNotEmpty().allSatisfy(a -> {
            assertThat(a.audience()).as("the right resource").isEqualTo(SmtpStandin.DELEGATED_AUDIENCE);
            assertThat(a.scopes()).containsExactly("IMAP.AccessAsUser.All");
            assertThat(a.reply()).isEqualTo(SmtpStandin.AUTH_UNSUCCESSFUL);
        });
        assertThat(e.getMessage()).contains("the token lacks scope https://outlook.office.com/SMTP.Send");
    }

    @Test
    void givenAMailboxSignedInWithoutConsentToSmtpSend_thenTheErrorNamesTheConsentAndTheCommand() {
        standins.identity().delegated().registerUser(ALICE, UUID.randomUUID().toString(), Set.of(DeviceCodeSignIn.GRAPH_MAIL_SEND));
        signIn(ALICE, SmtpMailboxes.NONE); // signed in for Graph only, then moved to the SMTP list

        SignInRequiredException e;
        try (SmtpMailSender sender = sender(tokens(), SmtpMailSender.DELEGATED_SMTP_SCOPE)) {
            e = catchThrowableOfType(SignInRequiredException.class, () -> sender.send(command(ALICE), "t-5"));
        }

        assertThat(e.code()).isEqualTo("AADSTS65001");
        assertThat(e.getMessage()).endsWith("Run: graph-mailer signin " + ALICE);
        assertThat(smtp.auths()).as("no login without a token").isEmpty();
    }

    @Test
    void givenTheTokenWasRefreshedBetweenSends_thenThePoolLogsInAgainWithTheNewToken() {
        signIn(ALICE, onSmtp);
        DelegatedTokenProvider tokens = tokens();

        try (SmtpMailSender sender = sender(tokens, SmtpMailSender.DELEGATED_SMTP_SCOPE)) {
            sender.send(command(ALICE), "t-6");
            sender.send(command(ALICE), "t-7");
            assertThat(smtp.auths()).as("the same token: the pooled login is reused").hasSize(1);

            tokens.freshToken(new Mailbox(ALICE), SmtpMailSender.DELEGATED_SMTP_SCOPE); // e.g. the keep-alive refreshed it
            sender.send(command(ALICE), "t-8");
        }

        assertThat(smtp.auths()).hasSize(2).allSatisfy(a -> assertThat(a.succeeded()).isTrue());
        assertThat(smtp.auths().get(0).sessionId()).isNotEqualTo(smtp.auths().get(1).sessionId());
        assertThat(smtp.received()).hasSize(3);
    }
}
