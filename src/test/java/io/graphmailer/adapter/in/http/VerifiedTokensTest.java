package io.graphmailer.adapter.in.http;

import org.junit.jupiter.api.Test;

import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;

/** The remembered caller tokens: only a byte-identical token inside its own validity window hits; the size is bounded. */
class VerifiedTokensTest {
    private final AtomicLong now = new AtomicLong(1_800_000_000L);
    private final VerifiedTokens tokens = new VerifiedTokens(3, now::get);

    private VerifiedTokens.Verified until(long exp) {
        return new VerifiedTokens.Verified(new Caller("caller-app", java.util.Set.of()), now.get() - 60, exp);
    }

    @Test
    void givenAcceptedToken_thenTheSameStringHitsUntilItsExp() {
        tokens.accepted("aaa.bbb.ccc", until(now.get() + 600));
        assertThat(tokens.caller("aaa.bbb.ccc").appId()).isEqualTo("caller-app");
        now.addAndGet(599);
        assertThat(tokens.caller("aaa.bbb.ccc").appId()).isEqualTo("caller-app");
    }

    @Test
    void givenCachedTokenPastItsExp_thenItIsNotServedAndForgotten() {
        tokens.accepted("aaa.bbb.ccc", until(now.get() + 600));
        now.addAndGet(600);
        assertThat(tokens.caller("aaa.bbb.ccc")).isNull();
        assertThat(tokens.size()).isZero();
        now.addAndGet(-600); // even a clock stepping back does not bring it back
        assertThat(tokens.caller("aaa.bbb.ccc")).isNull();
    }

    @Test
    void givenCachedTokenBeforeItsNbf_thenItIsNotServed() {
        tokens.accepted("aaa.bbb.ccc", new VerifiedTokens.Verified(new Caller("caller-app", java.util.Set.of()), now.get() - 10, now.get() + 600));
        now.addAndGet(-11);
        assertThat(tokens.caller("aaa.bbb.ccc")).isNull();
    }

    @Test
    void givenTokenAlreadyExpiredOrNotYetValid_thenItIsNotKept() {
        tokens.accepted("expired", until(now.get()));
        tokens.accepted("future", new VerifiedTokens.Verified(new Caller("caller-app", java.util.Set.of()), now.get() + 60, now.get() + 600));
        assertThat(tokens.size()).isZero();
        assertThat(tokens.caller("expired")).isNull();
        assertThat(tokens.caller("future")).isNull();
    }

    @Test
    void givenStringDifferingByOneCharacter_thenItMisses() {
        tokens.accepted("aaa.bbb.ccc", until(now.get() + 600));
        assertThat(tokens.caller("aaa.bbb.ccd")).isNull();
        assertThat(tokens.caller("aaa.bbb.cc")).isNull();
        assertThat(tokens.caller("aaa.bbb.ccc ")).isNull();
        assertThat(tokens.caller("Aaa.bbb.ccc")).isNull();
    }

    @Test
    void givenMoreTokensThanTheBound_thenTheLeastRecentlyUsedGo() {
        tokens.accepted("t1", until(now.get() + 600));
        tokens.accepted("t2", until(now.get() + 600));
        tokens.accepted("t3", until(now.get() + 600));
        assertThat(tokens.caller("t1")).isNotNull(); // t2 is now the least recently used
        tokens.accepted("t4", until(now.get() + 600));
        assertThat(tokens.size()).isEqualTo(3);
        assertThat(tokens.caller("t2")).isNull();
        assertThat(tokens.caller("t1")).isNotNull();
        assertThat(tokens.caller("t3")).isNotNull();
        assertThat(tokens.caller("t4")).isNotNull();
    }

    @Test
    void givenTheDefaultBound_thenAThousandTokensAreKeptAtMost() {
        VerifiedTokens defaults = new VerifiedTokens(VerifiedTokens.MAX_ENTRIES, now::get);
        for (int i = 0; i < 2_500; i++) {
            defaults.accepted("token-" + i, until(now.get() + 600));
        }
        assertThat(defaults.size()).isEqualTo(1_000);
        assertThat(defaults.caller("token-2499")).isNotNull();
        assertThat(defaults.caller("token-1499")).isNull();
    }
}
