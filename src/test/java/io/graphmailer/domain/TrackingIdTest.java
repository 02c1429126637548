package io.graphmailer.domain;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class TrackingIdTest {

    @Test
    void givenTheSameIdempotencyKey_thenTheSameGuidEveryTime() {
        String id = TrackingId.fromIdempotencyKey("job|digest|2025-01-06T08:00:00Z|list#1");

        assertThat(Guid.isGuid(id)).isTrue();
        assertThat(TrackingId.fromIdempotencyKey("job|digest|2025-01-06T08:00:00Z|list#1")).isEqualTo(id);
        assertThat(TrackingId.fromIdempotencyKey("job|digest|2025-01-06T08:00:00Z|list#2")).isNotEqualTo(id);
    }

    @Test
    void givenACallersGuid_thenItIsKeptInLowerCase_otherwiseAFreshOneIsUsed() {
        assertThat(TrackingId.fromCaller("0F8FAD5B-D9CB-469F-A165-70867728950E")).isEqualTo("0f8fad5b-d9cb-469f-a165-70867728950e");
        assertThat(Guid.isGuid(TrackingId.fromCaller("not-a-guid"))).isTrue();
        assertThat(Guid.isGuid(TrackingId.fromCaller(null))).isTrue();
    }
}
