package io.graphmailer.application;

import io.graphmailer.adapter.out.identity.BlobTokenCacheStore;
import io.graphmailer.adapter.out.identity.DelegatedTokenProvider;
import io.graphmailer.adapter.out.identity.DeviceCodeSignIn;
import io.graphmailer.application.port.out.SignInStore;
import io.graphmailer.domain.DelegatedMailboxes;
import io.graphmailer.domain.DiagnosticCheck;
import io.graphmailer.domain.Mailbox;
import io.graphmailer.domain.SmtpMailboxes;
import io.graphmailer.standin.Standins;
import io.graphmailer.support.TokenCacheStores;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Set;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The doctor's rows for delegated mailboxes, read from the encrypted blob store on Azurite (the Key Vault stand-in's key)
 * by a store other than the one that wrote: what every instance and every restart sees. The clock is the test's.
 */
class DelegatedSignInProbeTest {
    static final String PUBLIC_CLIENT_ID = "7d6c5b4a-3928-4170-8f6e-5d4c3b2a1908";
    static final String ALICE = "alice@contoso.test";
    static final String HELPDESK = "helpdesk@contoso.test";
    static final Instant NOW = Instant.parse("2026-12-01T12:00:00Z");
    private final Standins standins = Standins.shared();
    private final String container = TokenCacheStores.newContainer();
    private final Mailbox alice = new Mailbox(ALICE);
    private final DelegatedMailboxes delegated = DelegatedMailboxes.of(List.of(ALICE, HELPDESK + ":" + ALICE));
    private final DelegatedSignInProbe.Limits limits = new DelegatedSignInProbe.Limits(Duration.ofDays(90), Duration.ofDays(14));

    @BeforeEach
    void reset() {
        standins.reset();
        standins.keyVault().createKey("graph-mailer-token-cache");
        standins.keyVault().grantCryptoUser(standins.functionIdentityOid());
    }

    private BlobTokenCacheStore store() {
        return TokenCacheStores.at(container);
    }

    private void stored(String mailbox, String account, Instant lastRefresh) {
        store().replace(new Mailbox(mailbox), "{}", new SignInStore.SignInFacts(account, List.of(DeviceCodeSignIn.GRAPH_MAIL_SEND),
                lastRefresh.minus(Duration.ofDays(30)), lastRefresh));
    }

    private List<DiagnosticCheck> doctorAt(Instant now) {
        return new DelegatedSignInProbe(delegated, this::store, m -> List.of(DeviceCodeSignIn.GRAPH_MAIL_SEND), limits,
                Clock.fixed(now, ZoneOffset.UTC)).run();
    }

    private DiagnosticCheck row(List<DiagnosticCheck> checks, String mailbox) {
        return checks.stream().filter(c -> c.name().equals("delegated sign-in of " + mailbox)).findFirst().orElseThrow();
    }

    @Test
    void givenNothingStored_thenEachDelegatedMailboxIsAFailedRowNamingTheSignInCommand() {
        List<DiagnosticCheck> checks = doctorAt(NOW);

        assertThat(checks).hasSize(2).allSatisfy(c -> assertThat(c.status()).isEqualTo(DiagnosticCheck.Status.FAIL));
        assertThat(row(checks, ALICE).fix()).isEqualTo("run graph-mailer signin " + ALICE);
        assertThat(row(checks, HELPDESK).fix()).isEqualTo("run graph-mailer signin " + HELPDESK + " and sign in as " + ALICE);
        assertThat(row(checks, ALICE).detail()).contains("nothing is stored in " + container);
    }

    @Test
    void givenARefreshThreeDaysAgo_thenTheRowShowsAccountScopesAndDaysSinceTheRefresh() {
        stored(ALICE, ALICE, NOW.minus(Duration.ofDays(3)).minus(Duration.ofHours(2)));

        DiagnosticCheck alice = row(doctorAt(NOW), ALICE);

        assertThat(alice.status()).isEqualTo(DiagnosticCheck.Status.OK);
        assertThat(alice.detail()).contains("signed in as " + ALICE).contains("scopes " + DeviceCodeSignIn.GRAPH_MAIL_SEND)
                .contains("last refresh 3 days ago").contains("unused it would expire on 2027-02-26");
    }

    @Test
    void givenTheLastRefreshIsWithinWarnBeforeOfTheInactivityLimit_thenTheRowWarnsWithTheDate() {
        stored(ALICE, ALICE, NOW.minus(Duration.ofDays(80)));

        DiagnosticCheck alice = row(doctorAt(NOW), ALICE);

        assertThat(alice.status()).isEqualTo(DiagnosticCheck.Status.WARN);
        assertThat(alice.detail()).contains("last refresh 80 days ago").contains("expires on 2026-12-11 (in 10 days)");
        assertThat(alice.fix()).contains("graph-mailer signin " + ALICE);
    }

    @Test
    void givenTheLastRefreshIsJustOutsideWarnBefore_thenTheRowIsOk() {
        stored(ALICE, ALICE, NOW.minus(Duration.ofDays(76)).plus(Duration.ofMinutes(1)));

        assertThat(row(doctorAt(NOW), ALICE).status()).isEqualTo(DiagnosticCheck.Status.OK);
    }

    @Test
    void givenTheLastRefreshIsOlderThanTheInactivityLimit_thenTheRowFailsNamingAADSTS700082AndTheCommand() {
        stored(ALICE, ALICE, NOW.minus(Duration.ofDays(91)));

        DiagnosticCheck alice = row(doctorAt(NOW), ALICE);

        assertThat(alice.status()).isEqualTo(DiagnosticCheck.Status.FAIL);
        assertThat(alice.detail()).contains("AADSTS700082");
        assertThat(alice.fix()).isEqualTo("run graph-mailer signin " + ALICE);
    }

    @Test
    void givenAnotherAccountsSignInStoredForASharedMailbox_thenTheRowFailsNamingTheAccountThatMustSignIn() {
        stored(HELPDESK, "mallory@contoso.test", NOW.minus(Duration.ofDays(1)));

        DiagnosticCheck helpdesk = row(doctorAt(NOW), HELPDESK);

        assertThat(helpdesk.status()).isEqualTo(DiagnosticCheck.Status.FAIL);
        assertThat(helpdesk.fix()).isEqualTo("run graph-mailer signin " + HELPDESK + " and sign in as " + ALICE);
    }

    @Test
    void givenASignInWithoutTheScopeTheMailboxNowSendsWith_thenTheRowFailsNamingTheScope() {
        stored(ALICE, ALICE, NOW.minus(Duration.ofDays(1)));

        DiagnosticCheck alice = row(new DelegatedSignInProbe(delegated, this::store, m -> List.of(DeviceCodeSignIn.SMTP_SEND), limits,
                Clock.fixed(NOW, ZoneOffset.UTC)).run(), ALICE);

        assertThat(alice.status()).isEqualTo(DiagnosticCheck.Status.FAIL);
        assertThat(alice.detail()).contains("it lacks " + DeviceCodeSignIn.SMTP_SEND);
    }

    @Test
    void givenARefreshByAnotherProcess_thenTheDoctorOfAFreshProcessShowsItsTime() {
        standins.identity().delegated().registerPublicClient(Standins.TENANT_ID, PUBLIC_CLIENT_ID);
        standins.identity().delegated().registerUser(ALICE, UUID.randomUUID().toString(), Set.of(DeviceCodeSignIn.GRAPH_MAIL_SEND));
        Instant refreshed = Instant.now().truncatedTo(ChronoUnit.SECONDS);
        Instant signedIn = refreshed.minus(Duration.ofDays(10));
        new DeviceCodeSignIn(delegated, SmtpMailboxes.NONE, store(), standins.identity().baseUrl(), Standins.TENANT_ID, PUBLIC_CLIENT_ID,
                Clock.fixed(signedIn, ZoneOffset.UTC)).signIn(alice, p -> standins.identity().delegated().approve(p.userCode(), ALICE));
        assertThat(row(doctorAt(refreshed), ALICE).detail()).contains("last refresh 10 days ago");

        new DelegatedTokenProvider(delegated, store(), standins.identity().baseUrl(), Standins.TENANT_ID, PUBLIC_CLIENT_ID,
                Clock.fixed(refreshed, ZoneOffset.UTC)).refresh(alice, DeviceCodeSignIn.GRAPH_MAIL_SEND);

        DiagnosticCheck alice = row(doctorAt(refreshed.plus(Duration.ofDays(1))), ALICE);
        assertThat(alice.status()).isEqualTo(DiagnosticCheck.Status.OK);
        assertThat(alice.detail()).contains("last refresh 1 day ago (" + refreshed + ")");
    }

    @Test
    void givenTheStoreCannotBeBuilt_thenEachRowIsAFailedCheckInsteadOfABrokenDoctor() {
        List<DiagnosticCheck> checks = new DelegatedSignInProbe(delegated, () -> {
            throw new IllegalStateException("GRAPH_MAILER_DELEGATED_TOKEN_CONTAINER_URL is required");
        }, m -> List.of(DeviceCodeSignIn.GRAPH_MAIL_SEND), limits, Clock.fixed(NOW, ZoneOffset.UTC)).run();

        assertThat(checks).hasSize(2).allSatisfy(c -> {
            assertThat(c.status()).isEqualTo(DiagnosticCheck.Status.FAIL);
            assertThat(c.detail()).contains("cannot be read").contains("GRAPH_MAILER_DELEGATED_TOKEN_CONTAINER_URL");
        });
    }
}
