package io.graphmailer.wiring;

import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

class TelemetrySwitchTest {

    @Test
    void givenNoOrABlankConnectionString_thenTheSdkIsOff() {
        assertThat(TelemetrySwitch.disabled(Map.of())).isTrue();
        assertThat(TelemetrySwitch.disabled(Map.of("APPLICATIONINSIGHTS_CONNECTION_STRING", " "))).isTrue();
    }

    @Test
    void givenAConnectionString_thenTheSdkIsOnAndOnlyItsOwnPropertyIsAnswered() {
        assertThat(TelemetrySwitch.disabled(Map.of("APPLICATIONINSIGHTS_CONNECTION_STRING",
                "InstrumentationKey=00000000-0000-0000-0000-000000000000;IngestionEndpoint=https://example.invalid/"))).isFalse();
        TelemetrySwitch source = new TelemetrySwitch();
        assertThat(source.getPropertyNames()).containsExactly("quarkus.otel.sdk.disabled");
        assertThat(source.getValue("quarkus.otel.traces.enabled")).isNull();
        assertThat(source.getOrdinal()).isBetween(251, 299);
    }
}
