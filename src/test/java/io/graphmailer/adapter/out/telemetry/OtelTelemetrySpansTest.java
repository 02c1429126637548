package io.graphmailer.adapter.out.telemetry;

import io.graphmailer.application.port.out.Telemetry;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.SimpleSpanProcessor;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** Whether a send and the calls inside it become spans: with the SDK on, yes; with it disabled, none is recorded. */
class OtelTelemetrySpansTest {
    private final InMemorySpanExporter spans = InMemorySpanExporter.create();
    private final OpenTelemetrySdk sdk = OpenTelemetrySdk.builder()
            .setTracerProvider(SdkTracerProvider.builder().addSpanProcessor(SimpleSpanProcessor.create(spans)).build()).build();

    @Test
    void givenTheSdkOn_thenTheSendAndItsCallAreSpans() {
        sendWithOneCall(new OtelTelemetry(sdk, false));

        List<SpanData> all = spans.getFinishedSpanItems();
        assertThat(all).extracting(SpanData::getName).containsExactlyInAnyOrder(OtelTelemetry.SEND_SPAN, "graph POST /users/{id}/sendMail");
        assertThat(all).allSatisfy(s -> assertThat(s.getAttributes().get(OtelTelemetry.TRACKING_ID)).isEqualTo("t-1"));
    }

    @Test
    void givenTheSdkDisabled_thenNoSpanIsRecordedEvenWhereTheTracerProviderWouldRecord() {
        sendWithOneCall(new OtelTelemetry(sdk, true));

        assertThat(spans.getFinishedSpanItems()).isEmpty();
    }

    private static void sendWithOneCall(OtelTelemetry telemetry) {
        try (Telemetry.Send send = telemetry.send("t-1", "mailer@contoso.test", "graph")) {
            try (Telemetry.Call call = telemetry.call("graph", "POST /users/{id}/sendMail")) {
                call.set(Telemetry.Attribute.STATUS, 202);
            }
            send.outcome("sent", null);
        }
    }
}
