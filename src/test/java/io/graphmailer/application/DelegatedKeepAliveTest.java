package io.graphmailer.application;

import io.graphmailer.adapter.out.identity.BlobTokenCacheStore;
import io.graphmailer.adapter.out.identity.DelegatedTokenProvider;
import io.graphmailer.adapter.out.identity.DelegatedTokenRefresher;
import io.graphmailer.adapter.out.identity.DeviceCodeSignIn;
import io.graphmailer.application.port.in.RunScheduledJobsUseCase.Outcome;
import io.graphmailer.application.port.in.RunScheduledJobsUseCase.Report;
import io.graphmailer.application.port.in.RunScheduledJobsUseCase.Tick;
import io.graphmailer.application.port.out.JobMailQueue;
import io.graphmailer.application.port.out.JobMessageRenderer;
import io.graphmailer.domain.DelegatedMailboxes;
import io.graphmailer.domain.EmailAddress;
import io.graphmailer.domain.MailLimits;
import io.graphmailer.domain.Mailbox;
import io.graphmailer.domain.SenderPolicy;
import io.graphmailer.domain.SmtpMailboxes;
import io.graphmailer.domain.job.JobDefinition;
import io.graphmailer.domain.job.JobTemplates;
import io.graphmailer.domain.job.NcrontabSchedule;
import io.graphmailer.domain.job.PastDuePolicy;
import io.graphmailer.domain.job.Recipients;
import io.graphmailer.standin.DelegatedGrants;
import io.graphmailer.standin.Standins;
import io.graphmailer.support.LogCapture;
import io.graphmailer.support.TokenCacheStores;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The timer's keep-alive of delegated mailboxes through one real tick of {@link RunScheduledJobsService}: the last
 * refresh times are those stored with each sign-in (Azurite, the Key Vault stand-in's key), the refresh is the identity
 * stand-in's refresh-token grant, which counts its grants.
 */
class DelegatedKeepAliveTest {
    static final String PUBLIC_CLIENT_ID = "7d6c5b4a-3928-4170-8f6e-5d4c3b2a1908";
    static final String ALICE = "alice@contoso.test";
    static final String BOB = "bob@contoso.test";
    static final String CAROL = "carol@contoso.test";
    static final String SENDER = "noreply@contoso.example";
    private final Standins standins = Standins.shared();
    private final String container = TokenCacheStores.newContainer();
    private final DelegatedMailboxes delegated = DelegatedMailboxes.of(List.of(ALICE, BOB, CAROL));
    private final List<JobMailQueue.JobMail> enqueued = new ArrayList<>();

    @BeforeEach
    void reset() {
        standins.reset();
        standins.keyVault().createKey("graph-mailer-token-cache");
        standins.keyVault().grantCryptoUser(standins.functionIdentityOid());
        grants().registerPublicClient(Standins.TENANT_ID, PUBLIC_CLIENT_ID);
        for (String user : List.of(ALICE, BOB, CAROL)) {
            grants().registerUser(user, UUID.randomUUID().toString(), Set.of(DeviceCodeSignIn.GRAPH_MAIL_SEND));
        }
    }

    private DelegatedGrants grants() {
        return standins.identity().delegated();
    }

    private BlobTokenCacheStore store() {
        return TokenCacheStores.at(container);
    }

    private DeviceCodeSignIn signIn(Clock clock) {
        return new DeviceCodeSignIn(delegated, SmtpMailboxes.NONE, store(), standins.identity().baseUrl(), Standins.TENANT_ID,
                PUBLIC_CLIENT_ID, clock);
    }

    /** The operator signed {@code mailbox} in {@code ago} (so its stored last refresh is then). */
    private void signedIn(String mailbox, Duration ago) {
        signIn(Clock.fixed(Instant.now().minus(ago), ZoneOffset.UTC)).signIn(new Mailbox(mailbox),
                p -> assertThat(grants().approve(p.userCode(), mailbox)).isTrue());
    }

    /** The timer as the wiring builds it in a fresh process: one job due every minute, then the keep-alive. */
    private RunScheduledJobsService timer() {
        BlobTokenCacheStore store = store();
        DelegatedTokenProvider provider = new DelegatedTokenProvider(delegated, store, standins.identity().baseUrl(), Standins.TENANT_ID,
                PUBLIC_CLIENT_ID, Clock.systemUTC());
        DelegatedTokenRefresher refresher = new DelegatedTokenRefresher(provider, signIn(Clock.systemUTC()));
        DelegatedKeepAlive keepAlive = new DelegatedKeepAlive(delegated, () -> store, () -> refresher, Duration.ofDays(7));
        JobDefinition job = new JobDefinition("minutely", NcrontabSchedule.parse("0 * * * * *"), ZoneOffset.UTC, new Mailbox(SENDER),
                new Recipients.Static(List.of(new EmailAddress("ops@fabrikam.example", null)), List.of(), List.of()),
                new JobTemplates("Digest", "<p>digest</p>", "digest"), List.of(), PastDuePolicy.SKIP, true, true);
        JobMessageRenderer renderer = new JobMessageRenderer() {
            @Override
            public void prepare(JobDefinition definition) {
            }

            @Override
            public Rendered render(JobDefinition definition, io.graphmailer.domain.job.Occurrence occurrence, java.util.Map<String, Object> row,
                                   String address, String name) {
                return new Rendered("Digest", "<p>digest</p>", "digest");
            }
        };
        JobMailQueue queue = new JobMailQueue() {
            @Override
            public void check(JobMail mail) {
            }

            @Override
            public void enqueue(List<JobMail> batch) {
                enqueued.addAll(batch);
            }
        };
        ManageJobsService jobs = new ManageJobsService(List.of(job), renderer, source -> {
            throw new AssertionError("a static job reads no rows");
        }, location -> new byte[0], queue, new SenderPolicy(List.of(SENDER)), MailLimits.DEFAULT, 100);
        return new RunScheduledJobsService(jobs, new RunScheduledJobsService.Settings(Duration.ofMinutes(5), Duration.ofMinutes(2)),
                null, null, keepAlive);
    }

    private static Tick tick() {
        Instant now = Instant.now();
        return new Tick(now, now.minus(Duration.ofMinutes(1)), false);
    }

    @Test
    void givenAMailboxRefreshedEightDaysAgoAndOneYesterday_thenOneTimerRunRefreshesOnlyTheFirst() {
        signedIn(ALICE, Duration.ofDays(8));
        signedIn(BOB, Duration.ofDays(1));
        Instant bobBefore = store().facts(new Mailbox(BOB)).orElseThrow().lastRefresh();
        Instant before = Instant.now();

        Report report = timer().runDue(tick());

        assertThat(grants().refreshGrants()).as("refresh-token grants at the identity platform").isEqualTo(1);
        assertThat(store().facts(new Mailbox(ALICE)).orElseThrow().lastRefresh()).isAfterOrEqualTo(before.minusSeconds(1));
        assertThat(store().facts(new Mailbox(BOB)).orElseThrow().lastRefresh()).isEqualTo(bobBefore);
        assertThat(grants().liveRefreshTokens(ALICE)).as("the rotated refresh token is the one stored").isEqualTo(1);
        assertThat(report.anyFailed()).isFalse();
        assertThat(enqueued).as("no mail for the keep-alive; the job's one message").hasSize(1)
                .allSatisfy(m -> assertThat(m.command().mailbox().id()).isEqualTo(SENDER));
    }

    @Test
    void givenARefreshTheIdentityPlatformRefuses_thenItIsLoggedWithMailboxAndCommandAndTheOtherMailboxesAndJobsStillRun() {
        signedIn(ALICE, Duration.ofDays(8));
        signedIn(CAROL, Duration.ofDays(9));
        grants().failRefresh(CAROL, DelegatedGrants.Failure.REVOKED);
        String carolsCache = store().read(new Mailbox(CAROL)).orElseThrow().cache();
        String carolsRefreshToken = carolsCache.replaceAll("(?s).*\"secret\"\\s*:\\s*\"(rt\\.[^\"]+)\".*", "$1");
        assertThat(carolsRefreshToken).startsWith("rt.");

        Report report;
        List<String> lines;
        try (LogCapture logs = LogCapture.start()) {
            report = timer().runDue(tick());
            lines = List.copyOf(logs.lines());
        }

        assertThat(report.occurrences()).singleElement().satisfies(o -> assertThat(o.outcome()).isEqualTo(Outcome.ENQUEUED));
        assertThat(enqueued).hasSize(1);
        assertThat(store().facts(new Mailbox(ALICE)).orElseThrow().lastRefresh()).isAfter(Instant.now().minus(Duration.ofMinutes(5)));
        assertThat(lines).anySatisfy(l -> assertThat(l).contains("delegated keep-alive").contains(CAROL).contains("AADSTS50173")
                .contains("graph-mailer signin " + CAROL));
        assertThat(String.join("\n", lines)).doesNotContain(carolsRefreshToken);
        assertThat(grants().refreshGrants()).as("a grant for each old mailbox").isEqualTo(2);
    }

    @Test
    void givenTicksEveryMinute_thenOneProcessLooksAtTheStoreOnlyOncePerLookInterval() {
        signedIn(ALICE, Duration.ofDays(8));
        RunScheduledJobsService timer = timer();
        Tick first = tick();
        timer.runDue(first);
        // Alice is signed out meanwhile: a look at the next tick would log NOT_SIGNED_IN, a look an hour on does.
        store().delete(new Mailbox(ALICE));

        List<String> lines;
        try (LogCapture logs = LogCapture.start()) {
            timer.runDue(new Tick(first.now().plus(Duration.ofMinutes(1)), first.now(), false));
            assertThat(logs.lines()).noneSatisfy(l -> assertThat(l).contains("delegated keep-alive"));
            timer.runDue(new Tick(first.now().plus(DelegatedKeepAlive.LOOK_EVERY), first.now(), false));
            lines = List.copyOf(logs.lines());
        }

        assertThat(lines).anySatisfy(l -> assertThat(l).contains("delegated keep-alive: " + ALICE + " has no stored sign-in")
                .contains("run graph-mailer signin " + ALICE));
    }
}
