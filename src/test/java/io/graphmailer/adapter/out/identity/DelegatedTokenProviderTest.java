package io.graphmailer.adapter.out.identity;

import io.graphmailer.domain.DelegatedMailboxes;
import io.graphmailer.domain.MailTransportException;
import io.graphmailer.domain.Mailbox;
import io.graphmailer.domain.SignInRequiredException;
import io.graphmailer.domain.SmtpMailboxes;
import io.graphmailer.standin.DelegatedGrants;
import io.graphmailer.standin.Standins;
import io.graphmailer.support.LogCapture;
import io.graphmailer.support.TokenCacheStores;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

/**
 * Delegated tokens through the identity stand-in's device code flow and refresh grant (with rotation), stored in the
 * encrypted blob store on Azurite with the Key Vault stand-in's key: sign in, restart, refresh at once, each failure.
 */
class DelegatedTokenProviderTest {
    static final String PUBLIC_CLIENT_ID = "7d6c5b4a-3928-4170-8f6e-5d4c3b2a1908";
    static final String ALICE = "alice@contoso.test";
    static final String ALICE_OID = "0b1c2d3e-4f50-4a6b-8c7d-8e9fa0b1c2d3";
    private final Standins standins = Standins.shared();
    private final String container = TokenCacheStores.newContainer();
    private final Mailbox alice = new Mailbox(ALICE);
    private final DelegatedMailboxes delegated = DelegatedMailboxes.of(List.of(ALICE));
    private final String scope = DeviceCodeSignIn.GRAPH_MAIL_SEND;

    @BeforeEach
    void reset() {
        standins.reset();
        standins.keyVault().createKey(TokenCacheStores.KEY_NAME);
        standins.keyVault().grantCryptoUser(standins.functionIdentityOid());
        grants().registerPublicClient(Standins.TENANT_ID, PUBLIC_CLIENT_ID);
        grants().registerUser(ALICE, ALICE_OID, Set.of(DeviceCodeSignIn.GRAPH_MAIL_SEND, DeviceCodeSignIn.SMTP_SEND));
    }

    private DelegatedGrants grants() {
        return standins.identity().delegated();
    }

    private BlobTokenCacheStore store() {
        return TokenCacheStores.at(container);
    }

    private DelegatedTokenProvider provider() {
        return new DelegatedTokenProvider(delegated, store(), standins.identity().baseUrl(), Standins.TENANT_ID, PUBLIC_CLIENT_ID, Clock.systemUTC());
    }

    private DeviceCodeSignIn signIn() {
        return new DeviceCodeSignIn(delegated, SmtpMailboxes.NONE, store(), standins.identity().baseUrl(), Standins.TENANT_ID, PUBLIC_CLIENT_ID, Clock.systemUTC());
    }

    /** The operator runs signin; the test plays the user who enters the code and signs in as {@code as}. */
    private TokenCacheStore.SignInFacts signInAs(String as) {
        return signIn().signIn(alice, prompt -> assertThat(grants().approve(prompt.userCode(), as)).isTrue());
    }

    @Test
    void givenTheUserApprovesTheCode_thenTheSignInIsStoredWithItsAccountAndScopes() {
        List<DeviceCodeSignIn.Prompt> shown = new ArrayList<>();
        TokenCacheStore.SignInFacts facts = signIn().signIn(alice, prompt -> {
            shown.add(prompt);
            grants().approve(prompt.userCode(), ALICE);
        });

        assertThat(shown).singleElement().satisfies(p -> {
            assertThat(p.verificationUri()).endsWith("/common/oauth2/deviceauth");
            assertThat(p.message()).contains(p.userCode());
        });
        assertThat(facts.account()).isEqualTo(ALICE);
        assertThat(store().facts(alice)).contains(facts);
        assertThat(facts.scopes()).containsExactly(DeviceCodeSignIn.GRAPH_MAIL_SEND);
    }

    @Test
    void givenTheCodeIsPendingForAWhile_thenTheSignInKeepsPollingAndSucceeds() {
        TokenCacheStore.SignInFacts facts = signIn().signIn(alice, prompt -> new Thread(() -> {
            try {
                Thread.sleep(2500); // the polls meanwhile are answered authorization_pending
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            grants().approve(prompt.userCode(), ALICE);
        }).start());

        assertThat(facts.account()).isEqualTo(ALICE);
    }

    @Test
    void givenSlowDown_thenSignInStopsNamingItAndTheCommand() {
        grants().slowDownOnce(); // MSAL4J 1.26 keeps polling only on authorization_pending

        MailTransportException e = catchThrowableOfType(MailTransportException.class,
                () -> signIn().signIn(alice, prompt -> { }));

        assertThat(e.getMessage()).contains("poll more slowly (slow_down)").contains("graph-mailer signin " + ALICE);
        assertThat(store().facts(alice)).isEmpty();
    }

    @Test
    void givenTheUserDeclines_thenSignInFailsNamingTheCommand() {
        MailTransportException e = catchThrowableOfType(MailTransportException.class,
                () -> signIn().signIn(alice, prompt -> grants().deny(prompt.userCode())));

        assertThat(e.getMessage()).contains("declined").contains("graph-mailer signin " + ALICE);
        assertThat(store().facts(alice)).isEmpty();
    }

    @Test
    void givenTheCodeExpires_thenSignInFailsNamingTheCommand() {
        grants().deviceCodeLifetime(Duration.ofSeconds(-1));

        MailTransportException e = catchThrowableOfType(MailTransportException.class, () -> signIn().signIn(alice, prompt -> { }));

        assertThat(e.getMessage()).contains("expired").contains("graph-mailer signin " + ALICE);
    }

    @Test
    void givenAnotherAccountSignsIn_thenNothingIsStored() {
        grants().registerUser("mallory@contoso.test", UUID.randomUUID().toString(), Set.of(DeviceCodeSignIn.GRAPH_MAIL_SEND));

        MailTransportException e = catchThrowableOfType(MailTransportException.class, () -> signInAs("mallory@contoso.test"));

        assertThat(e.code()).isEqualTo("WrongAccount");
        assertThat(store().facts(alice)).isEmpty();
    }

    @Test
    void givenASignIn_whenTheProviderRestarts_thenTokensComeSilentlyAndTheRotatedRefreshTokenIsPersisted() {
        signInAs(ALICE);

        AccessToken first = provider().freshToken(alice, scope);   // redeems the sign-in's refresh token, stores the rotated one
        AccessToken afterRestart = provider().freshToken(alice, scope); // a new process: only the stored (rotated) token can work

        assertThat(first.value()).isNotEqualTo(afterRestart.value());
        assertThat(grants().refreshGrants()).isEqualTo(2);
        assertThat(grants().liveRefreshTokens(ALICE)).as("each rotation spent the one before").isEqualTo(1);
        assertThat(store().facts(alice).orElseThrow().lastRefresh()).isAfter(store().facts(alice).orElseThrow().signedInAt());
    }

    @Test
    void givenTwoProcessesRefreshingAtOnce_thenTheNewerRefreshTokenSurvives() throws Exception {
        signInAs(ALICE);
        DelegatedTokenProvider a = provider();
        DelegatedTokenProvider b = provider();
        a.token(alice, scope); // both have read the stored cache
        b.token(alice, scope);

        CountDownLatch start = new CountDownLatch(1);
        ExecutorService pool = Executors.newFixedThreadPool(2);
        try {
            List<Future<TokenCacheStore.SignInFacts>> done = new ArrayList<>();
            for (DelegatedTokenProvider p : List.of(a, b)) {
                done.add(pool.submit(() -> {
                    start.await();
                    return p.refresh(alice, scope);
                }));
            }
            start.countDown();
            for (Future<TokenCacheStore.SignInFacts> f : done) {
                f.get();
            }
        } finally {
            pool.shutdownNow();
        }

        assertThat(grants().liveRefreshTokens(ALICE)).isEqualTo(1);
        provider().freshToken(alice, scope); // a third process redeems what was stored: the newest refresh token
        assertThat(grants().liveRefreshTokens(ALICE)).isEqualTo(1);
    }

    @Test
    void givenTwoProcessesRefreshingTheSameMailboxAtOnceManyTimes_thenTheLoserTakesTheWinnersCacheAndNeverReportsSignInRequired()
            throws Exception {
        signInAs(ALICE);
        // Two processes: each its own provider and its own store object, one blob on Azurite between them.
        List<DelegatedTokenProvider> processes = List.of(provider(), provider());
        for (DelegatedTokenProvider p : processes) {
            p.token(alice, scope); // both hold the stored cache, so the first round's refresh tokens are the same one
        }
        int rounds = 25;
        List<Throwable> failures = new java.util.concurrent.CopyOnWriteArrayList<>();
        ExecutorService pool = Executors.newFixedThreadPool(2);
        try {
            for (int round = 0; round < rounds; round++) {
                CountDownLatch start = new CountDownLatch(1);
                List<Future<?>> done = new ArrayList<>();
                for (DelegatedTokenProvider p : processes) {
                    done.add(pool.submit(() -> {
                        start.await();
                        try {
                            p.refresh(alice, scope); // the keep-alive of both at the same moment: a forced redemption each
                        } catch (RuntimeException e) {
                            failures.add(e);
                        }
                        return null;
                    }));
                }
                start.countDown();
                for (Future<?> f : done) {
                    f.get();
                }
            }
        } finally {
            pool.shutdownNow();
        }

        assertThat(failures).as("losing the race is not a sign-in required").isEmpty();
        assertThat(grants().refusedAsRedeemed()).as("the identity platform refused the loser's spent refresh token").isPositive();
        assertThat(grants().liveRefreshTokens(ALICE)).as("only the newest refresh token is left").isEqualTo(1);
        provider().freshToken(alice, scope); // a third process redeems what is stored: it is that newest one
        assertThat(grants().liveRefreshTokens(ALICE)).isEqualTo(1);
    }

    @ParameterizedTest
    @EnumSource(DelegatedGrants.Failure.class)
    void givenTheIdentityPlatformRefusesTheRefresh_thenTheErrorNamesMailboxCauseAndCommand(DelegatedGrants.Failure failure) {
        signInAs(ALICE);
        grants().failRefresh(ALICE, failure);

        SignInRequiredException e = catchThrowableOfType(SignInRequiredException.class, () -> provider().freshToken(alice, scope));

        assertThat(e.mailbox()).isEqualTo(alice);
        assertThat(e.getMessage()).startsWith("delegated mailbox " + ALICE + ": ").endsWith("Run: graph-mailer signin " + ALICE);
        if (failure != DelegatedGrants.Failure.INTERACTION_REQUIRED) {
            assertThat(e.code()).isEqualTo("AADSTS" + code(failure));
        } else {
            assertThat(e.getMessage()).contains("interaction_required");
        }
    }

    private static String code(DelegatedGrants.Failure f) {
        return switch (f) {
            case INACTIVE -> "700082";
            case REVOKED -> "50173";
            case MFA_REQUIRED -> "50076";
            case MFA_ENROLMENT -> "50079";
            case CONDITIONAL_ACCESS -> "53003";
            case CONSENT_WITHDRAWN -> "65001";
            case INTERACTION_REQUIRED -> "50158";
        };
    }

    @Test
    void givenNobodySignedIn_thenTheErrorSaysSoWithTheCommand() {
        SignInRequiredException e = catchThrowableOfType(SignInRequiredException.class, () -> provider().token(alice, scope));

        assertThat(e.code()).isEqualTo("NotSignedIn");
        assertThat(e.command()).isEqualTo("graph-mailer signin " + ALICE);
    }

    @Test
    void givenSignInRefreshAndFailure_thenNoTokenOrCacheByteIsLogged() {
        try (LogCapture logs = LogCapture.start()) {
            signInAs(ALICE);
            AccessToken token = provider().freshToken(alice, scope);
            String cache = store().read(alice).orElseThrow().cache();
            grants().failRefresh(ALICE, DelegatedGrants.Failure.REVOKED);
            catchThrowableOfType(SignInRequiredException.class, () -> provider().freshToken(alice, scope));

            String refreshToken = cache.replaceAll("(?s).*\"secret\"\\s*:\\s*\"(rt\\.[^\"]+)\".*", "$1");
            assertThat(refreshToken).startsWith("rt.");
            assertThat(String.join("\n", logs.lines())).doesNotContain(token.value()).doesNotContain(refreshToken)
                    .doesNotContain(token.value().substring(0, 40));
        }
    }
}
