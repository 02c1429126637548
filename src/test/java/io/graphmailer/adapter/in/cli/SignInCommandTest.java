package io.graphmailer.adapter.in.cli;

import io.graphmailer.adapter.out.identity.BlobTokenCacheStore;
import io.graphmailer.adapter.out.identity.DelegatedTokenProvider;
import io.graphmailer.adapter.out.identity.DeviceCodeSignIn;
import io.graphmailer.application.DelegatedSignInService;
import io.graphmailer.domain.DelegatedMailboxes;
import io.graphmailer.domain.Mailbox;
import io.graphmailer.domain.SignInRequiredException;
import io.graphmailer.domain.SmtpMailboxes;
import io.graphmailer.standin.DelegatedGrants;
import io.graphmailer.standin.Standins;
import io.graphmailer.support.TokenCacheStores;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

/**
 * {@code graph-mailer signin/signout} through the use case, the device code sign-in on the identity stand-in and the
 * encrypted blob store on Azurite with the Key Vault stand-in's key. The test plays the user: when the command prints the
 * identity platform's message, the user enters the printed code (or declines it, or lets it expire).
 */
class SignInCommandTest {
    static final String PUBLIC_CLIENT_ID = "7d6c5b4a-3928-4170-8f6e-5d4c3b2a1908";
    static final String ALICE = "alice@contoso.test";
    static final String HELPDESK = "helpdesk@contoso.test";
    static final String KEY_NAME = TokenCacheStores.KEY_NAME;
    private final Standins standins = Standins.shared();
    private final String container = TokenCacheStores.newContainer();
    private final DelegatedMailboxes delegated = DelegatedMailboxes.of(List.of(ALICE, HELPDESK + ":" + ALICE));

    @BeforeEach
    void reset() {
        standins.reset();
        standins.keyVault().createKey(KEY_NAME);
        standins.keyVault().grantCryptoUser(standins.functionIdentityOid());
        grants().registerPublicClient(Standins.TENANT_ID, PUBLIC_CLIENT_ID);
        grants().registerUser(ALICE, UUID.randomUUID().toString(),
                Set.of(DeviceCodeSignIn.GRAPH_MAIL_SEND, DeviceCodeSignIn.GRAPH_MAIL_SEND_SHARED));
    }

    private DelegatedGrants grants() {
        return standins.identity().delegated();
    }

    private BlobTokenCacheStore store() {
        return TokenCacheStores.at(container);
    }

    private SignInCommand command() {
        BlobTokenCacheStore store = store();
        DeviceCodeSignIn signIn = new DeviceCodeSignIn(delegated, SmtpMailboxes.NONE, store, standins.identity().baseUrl(),
                Standins.TENANT_ID, PUBLIC_CLIENT_ID, Clock.systemUTC());
        return new SignInCommand(new DelegatedSignInService(delegated, () -> signIn, () -> store));
    }

    /** The terminal the operator reads; {@code user} acts on the code as soon as the identity platform's message is printed. */
    private static final class Terminal extends PrintStream {
        private final ByteArrayOutputStream bytes;
        private final java.util.function.Consumer<String> user;

        Terminal(java.util.function.Consumer<String> user) {
            this(new ByteArrayOutputStream(), user);
        }

        private Terminal(ByteArrayOutputStream bytes, java.util.function.Consumer<String> user) {
            super(bytes, true, StandardCharsets.UTF_8);
            this.bytes = bytes;
            this.user = user;
        }

        @Override
        public void println(String line) {
            super.println(line);
            java.util.regex.Matcher code = java.util.regex.Pattern.compile("enter the code (\\S+)").matcher(line);
            if (code.find()) {
                user.accept(code.group(1));
            }
        }

        String text() {
            return bytes.toString(StandardCharsets.UTF_8);
        }
    }

    private Terminal userSigningInAs(String upn) {
        return new Terminal(code -> assertThat(grants().approve(code, upn)).as("the printed code is the one issued").isTrue());
    }

    @Test
    void givenTheUserEntersThePrintedCode_thenSigninStoresTheSignInAndExits0WithoutPrintingATokenByte() {
        Terminal terminal = userSigningInAs(ALICE);

        int exit = command().signIn(List.of(ALICE), terminal);

        assertThat(exit).isZero();
        assertThat(terminal.text()).contains("sign in as " + ALICE + " for " + DeviceCodeSignIn.GRAPH_MAIL_SEND + " offline_access")
                .containsPattern("enter the code [A-Z0-9]{9}")
                .contains("/common/oauth2/deviceauth")
                .contains("signed in: " + ALICE + " as " + ALICE)
                .contains("stored encrypted in " + container)
                .doesNotContain("Send As");
        assertThat(store().facts(new Mailbox(ALICE))).hasValueSatisfying(f -> {
            assertThat(f.account()).isEqualTo(ALICE);
            assertThat(f.scopes()).containsExactly(DeviceCodeSignIn.GRAPH_MAIL_SEND);
        });
        String cache = store().read(new Mailbox(ALICE)).orElseThrow().cache();
        String refreshToken = cache.replaceAll("(?s).*\"secret\"\\s*:\\s*\"(rt\\.[^\"]+)\".*", "$1");
        assertThat(refreshToken).startsWith("rt.");
        assertThat(terminal.text()).doesNotContain(refreshToken).doesNotContain("eyJ").doesNotContain("secret");
    }

    @Test
    void givenASharedMailbox_thenTheSendAsAccountSignsInForMailSendSharedAndTheOutputSaysSendAsIsProvenAtTheFirstSend() {
        Terminal terminal = userSigningInAs(ALICE);

        int exit = command().signIn(List.of(HELPDESK), terminal);

        assertThat(exit).isZero();
        assertThat(terminal.text()).contains("sign in as " + ALICE + " for " + DeviceCodeSignIn.GRAPH_MAIL_SEND + " "
                        + DeviceCodeSignIn.GRAPH_MAIL_SEND_SHARED + " offline_access")
                .contains("Send As on " + HELPDESK + " is proven at the first send");
        assertThat(store().facts(new Mailbox(HELPDESK)).orElseThrow().account()).isEqualTo(ALICE);
    }

    @Test
    void givenAnotherAccountSignsIn_thenSigninRefusesExits1AndStoresNothing() {
        grants().registerUser("mallory@contoso.test", UUID.randomUUID().toString(), Set.of(DeviceCodeSignIn.GRAPH_MAIL_SEND));
        Terminal terminal = userSigningInAs("mallory@contoso.test");

        int exit = command().signIn(List.of(ALICE), terminal);

        assertThat(exit).isEqualTo(SignInCommand.REFUSED);
        assertThat(terminal.text()).contains("signed in as mallory@contoso.test").contains("nothing was stored")
                .contains("graph-mailer signin " + ALICE);
        assertThat(store().facts(new Mailbox(ALICE))).isEmpty();
    }

    @Test
    void givenTheUserDeclines_thenSigninSaysSoNamesTheCommandAndExits1() {
        Terminal terminal = new Terminal(code -> assertThat(grants().deny(code)).isTrue());

        int exit = command().signIn(List.of(ALICE), terminal);

        assertThat(exit).isEqualTo(SignInCommand.REFUSED);
        assertThat(terminal.text()).contains("the sign-in was declined").contains("run graph-mailer signin " + ALICE + " again");
        assertThat(store().facts(new Mailbox(ALICE))).isEmpty();
    }

    @Test
    void givenTheIdentityPlatformAnswersExpiredToken_thenSigninSaysTheCodeExpiredAndExits1() {
        // The code is still valid by MSAL's clock; the identity platform's clock is past its expiry: expired_token.
        Terminal terminal = new Terminal(code -> standins.identity().clockOffset(Duration.ofHours(1)));

        int exit = command().signIn(List.of(ALICE), terminal);

        assertThat(exit).isEqualTo(SignInCommand.REFUSED);
        assertThat(terminal.text()).contains("the code expired before it was entered").contains("graph-mailer signin " + ALICE);
        assertThat(store().facts(new Mailbox(ALICE))).isEmpty();
    }

    @Test
    void givenTheCodesLifetimeRunsOutBeforeItIsEntered_thenSigninSaysSoAndExits1() {
        grants().deviceCodeLifetime(Duration.ofSeconds(-1));
        Terminal terminal = new Terminal(code -> { });

        int exit = command().signIn(List.of(ALICE), terminal);

        assertThat(exit).isEqualTo(SignInCommand.REFUSED);
        assertThat(terminal.text()).contains("the code expired before it was entered").contains("graph-mailer signin " + ALICE);
        assertThat(store().facts(new Mailbox(ALICE))).isEmpty();
    }

    @Test
    void givenAMailboxThatIsNotDelegated_thenSigninNamesTheSettingAndExits2WithoutAskingTheIdentityPlatform() {
        Terminal terminal = new Terminal(code -> { throw new AssertionError("no code may be issued"); });

        int exit = command().signIn(List.of("bob@contoso.test"), terminal);

        assertThat(exit).isEqualTo(SignInCommand.USAGE);
        assertThat(terminal.text()).contains("bob@contoso.test is not in GRAPH_MAILER_DELEGATED_MAILBOXES");
        assertThat(grants().lastUserCode()).isNull();
    }

    @Test
    void givenNoMailbox_thenSigninAndSignoutPrintTheirUsageAndExit2() {
        Terminal terminal = new Terminal(code -> { });

        assertThat(command().signIn(List.of(), terminal)).isEqualTo(SignInCommand.USAGE);
        assertThat(command().signOut(List.of(), terminal)).isEqualTo(SignInCommand.USAGE);
        assertThat(terminal.text()).contains("usage: graph-mailer signin <mailbox>").contains("usage: graph-mailer signout <mailbox>");
    }

    @Test
    void givenASignIn_whenSignedOut_thenTheCacheIsGoneAndTheNextSendNeedsASignInNamingTheCommand() {
        assertThat(command().signIn(List.of(ALICE), userSigningInAs(ALICE))).isZero();
        Terminal terminal = new Terminal(code -> { });

        int exit = command().signOut(List.of(ALICE), terminal);

        assertThat(exit).isZero();
        assertThat(terminal.text()).contains("signed out: the stored sign-in of " + ALICE + " was removed");
        assertThat(store().facts(new Mailbox(ALICE))).isEmpty();
        DelegatedTokenProvider tokens = new DelegatedTokenProvider(delegated, store(), standins.identity().baseUrl(), Standins.TENANT_ID,
                PUBLIC_CLIENT_ID, Clock.systemUTC());
        SignInRequiredException e = catchThrowableOfType(SignInRequiredException.class,
                () -> tokens.token(new Mailbox(ALICE), DeviceCodeSignIn.GRAPH_MAIL_SEND));
        assertThat(e.command()).isEqualTo("graph-mailer signin " + ALICE);
        assertThat(e.getMessage()).contains("delegated mailbox " + ALICE).contains("no sign-in is stored");
    }

    @Test
    void givenNothingStored_thenSignoutSaysSoAndExits0() {
        Terminal terminal = new Terminal(code -> { });

        int exit = command().signOut(List.of(ALICE), terminal);

        assertThat(exit).isZero();
        assertThat(terminal.text()).contains("no sign-in of " + ALICE + " was stored").contains("nothing to remove");
    }
}
