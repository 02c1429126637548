package io.graphmailer.adapter.out.identity;

import io.graphmailer.standin.AadError;
import io.graphmailer.standin.Standins;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.HashSet;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The provider keeps the token it got and renews it ahead of expiry off the caller's path, against the real MSAL and the
 * identity-platform stand-in (tokens of 3,599 s). Time moves on through the provider's clock only: MSAL's own cache,
 * which runs on the system clock, would go on handing out the old token, so only the provider's refresh can pass here.
 */
class TokenRefreshAheadTest {
    private static final String SCOPE = "https://graph.microsoft.com/.default";
    private final Standins standins = Standins.shared();
    private final MovableClock clock = new MovableClock();
    private MsalAccessTokenProvider provider;

    /** The system clock plus an offset the test moves forward. */
    private static final class MovableClock extends Clock {
        private volatile Duration offset = Duration.ZERO;

        void forward(Duration by) {
            offset = offset.plus(by);
        }

        @Override
        public ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(ZoneId zone) {
            throw new UnsupportedOperationException();
        }

        @Override
        public Instant instant() {
            return Instant.now().plus(offset);
        }
    }

    @BeforeEach
    void start(@TempDir Path dir) throws IOException {
        standins.reset();
        Path pem = dir.resolve("client.pem");
        Files.writeString(pem, standins.clientCertificate().pem(), StandardCharsets.US_ASCII);
        URI authority = URI.create(standins.authority());
        provider = new MsalAccessTokenProvider(new FileCertificateSource(pem), authority.getScheme() + "://" + authority.getRawAuthority(),
                Standins.TENANT_ID, Standins.CLIENT_ID, Duration.ofHours(24), clock);
    }

    @AfterEach
    void stop() {
        provider.close();
        standins.reset();
    }

    private int tokenRequests() {
        return standins.identity().tokenRequests(Standins.CLIENT_ID, SCOPE);
    }

    /** Waits (not a timed assertion: the bound only ends a broken run) until the stand-in has seen {@code count} requests. */
    private void awaitTokenRequests(int count) throws InterruptedException {
        for (int i = 0; i < 300 && tokenRequests() < count; i++) {
            Thread.sleep(50);
        }
    }

    @Test
    void givenAThousandCallsWithinTheTokenLifetime_thenOneTokenRequestAndTheSameToken() {
        AccessToken first = provider.token(SCOPE);
        Set<String> seen = new HashSet<>();
        for (int i = 0; i < 1_000; i++) {
            seen.add(provider.token(SCOPE).value());
        }
        assertThat(seen).hasSize(1);
        assertThat(seen.contains(first.value())).as("the first token, every time").isTrue();
        assertThat(tokenRequests()).isEqualTo(1);
    }

    @Test
    void givenATokenInsideTheRefreshMargin_thenCallersGetItAtOnceAndANewOneIsFetchedInTheBackground() throws Exception {
        AccessToken first = provider.token(SCOPE);
        assertThat(tokenRequests()).isEqualTo(1);

        clock.forward(Duration.between(Instant.now(), first.expiresOn()).minus(Duration.ofMinutes(8))); // 8 min left
        AccessToken during = provider.token(SCOPE);
        assertThat(during.value().equals(first.value())).as("the caller does not wait for the refresh: it gets the held token").isTrue();

        awaitTokenRequests(2);
        assertThat(tokenRequests()).as("a refresh was fetched in the background").isEqualTo(2);
        String renewed = null;
        for (int i = 0; i < 300 && (renewed == null || renewed.equals(first.value())); i++) {
            renewed = provider.token(SCOPE).value();
            Thread.sleep(10);
        }
        assertThat(renewed.equals(first.value())).as("callers move to the renewed token").isFalse();
        for (int i = 0; i < 100; i++) {
            assertThat(provider.token(SCOPE).value().equals(renewed)).as("the renewed token is kept").isTrue();
        }
        assertThat(tokenRequests()).as("one refresh, not one per call").isEqualTo(2);
    }

    @Test
    void givenTheBackgroundRefreshFails_thenCallersKeepTheHeldToken_andTheRefreshIsRetriedAfterTheBackOffNotOnEveryCall() throws Exception {
        AccessToken first = provider.token(SCOPE);
        standins.identity().failNext(1, AadError.INVALID_SCOPE);

        clock.forward(Duration.between(Instant.now(), first.expiresOn()).minus(Duration.ofMinutes(8)));
        assertThat(provider.token(SCOPE).value().equals(first.value())).as("the held token while the refresh runs").isTrue();
        awaitTokenRequests(2);
        for (int i = 0; i < 300 && provider.refreshInFlight(SCOPE); i++) {
            Thread.sleep(50);
        }
        assertThat(provider.refreshInFlight(SCOPE)).as("the failed refresh has finished").isFalse();
        for (int i = 0; i < 100; i++) {
            assertThat(provider.token(SCOPE).value().equals(first.value())).as("the held token after the refresh failed").isTrue();
        }
        for (int i = 0; i < 300 && provider.refreshInFlight(SCOPE); i++) {
            Thread.sleep(50); // had a call started one, it has reached the stand-in by now
        }
        assertThat(tokenRequests()).as("no new refresh per call within the back-off").isEqualTo(2);

        clock.forward(MsalAccessTokenProvider.FAILURE_BACKOFF.plusSeconds(1));
        provider.token(SCOPE);
        awaitTokenRequests(3);
        String renewed = first.value();
        for (int i = 0; i < 300 && renewed.equals(first.value()); i++) {
            renewed = provider.token(SCOPE).value();
            Thread.sleep(10);
        }
        assertThat(renewed.equals(first.value())).as("the retried refresh gave a new token").isFalse();
        assertThat(tokenRequests()).isEqualTo(3);
    }

    @Test
    void givenATokenPastItsUsableMargin_thenTheCallerGetsANewOne() {
        AccessToken first = provider.token(SCOPE);

        clock.forward(Duration.between(Instant.now(), first.expiresOn()).minus(Duration.ofMinutes(3))); // 3 min left
        AccessToken next = provider.token(SCOPE);

        assertThat(next.value().equals(first.value())).as("a new token, not the held one").isFalse();
        assertThat(tokenRequests()).isEqualTo(2);
    }

    @Test
    void givenAHeldToken_whenAFreshOneIsAsked_thenTheIdentityPlatformIsAskedAndLaterCallersGetTheFreshOne() {
        AccessToken first = provider.token(SCOPE);

        AccessToken fresh = provider.freshToken(SCOPE);

        assertThat(fresh.value().equals(first.value())).as("a new token, not the held one").isFalse();
        assertThat(tokenRequests()).isEqualTo(2);
        assertThat(provider.token(SCOPE).value().equals(fresh.value())).as("later callers get the fresh token").isTrue();
        assertThat(tokenRequests()).isEqualTo(2);
    }
}
