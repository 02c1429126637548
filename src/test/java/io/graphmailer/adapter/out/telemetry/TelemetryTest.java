package io.graphmailer.adapter.out.telemetry;

import io.graphmailer.standin.GraphFault;
import io.graphmailer.standin.Standins;
import io.graphmailer.support.SendMailBodies;
import io.graphmailer.support.StandinsResource;
import io.graphmailer.support.TestTokens;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.sdk.metrics.data.MetricData;
import io.opentelemetry.sdk.testing.exporter.InMemoryMetricExporter;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.restassured.http.ContentType;
import jakarta.inject.Inject;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;

/** Telemetry on (the SDK as with a connection string): the spans and metrics of a send, a throttled send and a failed one. */
@QuarkusTest
@TestProfile(TelemetryTest.On.class)
@WithTestResource(StandinsResource.class)
class TelemetryTest {
    /** The SDK on, as APPLICATIONINSIGHTS_CONNECTION_STRING would turn it on; OTLP pointed at a closed local port. */
    public static class On implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("quarkus.otel.sdk.disabled", "false", "quarkus.otel.metric.export.interval", "1s",
                    "quarkus.otel.bsp.schedule.delay", "100ms", "graph-mailer.telemetry.otlp-endpoint", "http://127.0.0.1:9");
        }
    }

    private static final String BODY_TEXT = "telemetry-body-text-must-not-leak";

    @Inject
    InMemorySpanExporter spans;
    @Inject
    InMemoryMetricExporter metrics;

    private final Standins standins = Standins.shared();

    @BeforeEach
    void reset() {
        standins.reset();
        new StandinsResource().prepare(standins);
        spans.reset();
    }

    private static String body() {
        return SendMailBodies.minimal().replace("\"content\":\"", "\"content\":\"" + BODY_TEXT + " ");
    }

    private static io.restassured.response.Response send(String mailbox, String invocationId) {
        return given().header("Authorization", TestTokens.bearer()).header("X-Azure-Functions-InvocationId", invocationId)
                .contentType(ContentType.JSON).body(body()).when().post("/api/users/" + mailbox + "/sendMail");
    }

    private static <T> T await(Supplier<T> value, java.util.function.Predicate<T> done) throws InterruptedException {
        Instant until = Instant.now().plusSeconds(20);
        T v = value.get();
        while (!done.test(v) && Instant.now().isBefore(until)) {
            Thread.sleep(100);
            v = value.get();
        }
        return v;
    }

    private List<SpanData> sendSpans(int n) throws InterruptedException {
        return await(() -> spans.getFinishedSpanItems().stream().filter(s -> s.getName().equals(OtelTelemetry.SEND_SPAN)).toList(),
                l -> l.size() >= n);
    }

    @Test
    void givenASend_thenTheTriggerAndSendSpansCarryTheTrackingIdAndInvocationIdAndNoSecret() throws Exception {
        String trackingId = send(standins.mailbox(), "0b8a6f0e-1111-4c1e-9d55-000000000001").then().statusCode(202)
                .extract().path("trackingId");
        SpanData sendSpan = sendSpans(1).get(0);
        assertThat(sendSpan.getAttributes().get(OtelTelemetry.TRACKING_ID)).isEqualTo(trackingId);
        assertThat(sendSpan.getAttributes().get(OtelTelemetry.OUTCOME)).isEqualTo("sent");
        assertThat(sendSpan.getAttributes().get(OtelTelemetry.MAILBOX)).isEqualTo(standins.mailbox().toLowerCase());
        List<SpanData> all = await(() -> spans.getFinishedSpanItems(), l -> l.stream().anyMatch(s -> s.getParentSpanId().equals("0000000000000000")));
        SpanData trigger = all.stream().filter(s -> s.getSpanId().equals(sendSpan.getParentSpanId())).findFirst().orElseThrow();
        assertThat(trigger.getAttributes().get(OtelTelemetry.INVOCATION_ID)).isEqualTo("0b8a6f0e-1111-4c1e-9d55-000000000001");
        assertThat(trigger.getAttributes().get(OtelTelemetry.TRACKING_ID)).isEqualTo(trackingId);
        assertNoSecretIn(all);
    }

    @Test
    void givenAThrottledAndAFailedSend_thenTheirOutcomesCodesAndTheThrottleAreMeasured() throws Exception {
        // Retry-After beyond the stand-ins' 3 s max-throttle-wait: answered at once as transient.
        standins.graph().injectFaults(3, GraphFault.throttled(5));
        int throttledStatus = send(standins.mailbox(), "0b8a6f0e-1111-4c1e-9d55-000000000002").statusCode();
        assertThat(throttledStatus).isIn(429, 503);
        // A mailbox outside the app's Exchange scope is a configuration fault (500), reported with its code.
        send(StandinsResource.UNSCOPED_MAILBOX, "0b8a6f0e-1111-4c1e-9d55-000000000003").then().statusCode(500);

        List<SpanData> sends = sendSpans(2);
        assertThat(sends).anySatisfy(s -> {
            assertThat(s.getAttributes().get(OtelTelemetry.OUTCOME)).isEqualTo("transient");
            assertThat(s.getAttributes().get(OtelTelemetry.ERROR_CODE)).isNotBlank();
        });
        assertThat(sends).anySatisfy(s -> {
            assertThat(s.getAttributes().get(OtelTelemetry.OUTCOME)).isIn("rejected", "configuration");
            assertThat(s.getAttributes().get(OtelTelemetry.ERROR_CODE)).isEqualTo("MailboxOutOfScope");
        });
        List<MetricData> exported = await(() -> metrics.getFinishedMetricItems(),
                l -> l.stream().anyMatch(m -> m.getName().equals(OtelTelemetry.THROTTLES))
                        && l.stream().anyMatch(m -> m.getName().equals(OtelTelemetry.SENDS)));
        assertThat(exported).extracting(MetricData::getName).contains(OtelTelemetry.SENDS, OtelTelemetry.THROTTLES,
                OtelTelemetry.RETRY_AFTER);
        // Every export of the sends counter (delta or cumulative): the failed send's code is among their points.
        List<MetricData> all = await(() -> metrics.getFinishedMetricItems(), l -> l.stream()
                .filter(m -> m.getName().equals(OtelTelemetry.SENDS)).flatMap(m -> m.getLongSumData().getPoints().stream())
                .anyMatch(p -> "MailboxOutOfScope".equals(p.getAttributes().get(OtelTelemetry.ERROR_CODE))));
        assertThat(all.stream().filter(m -> m.getName().equals(OtelTelemetry.SENDS)).flatMap(m -> m.getLongSumData().getPoints().stream())
                .map(p -> p.getAttributes().get(OtelTelemetry.ERROR_CODE))).contains("MailboxOutOfScope", "ApplicationThrottled");
        assertNoSecretIn(spans.getFinishedSpanItems());
    }

    /** No attribute of any span carries the body, a bearer token (JWT), a key or certificate material. */
    private static void assertNoSecretIn(List<SpanData> all) {
        List<String> values = new ArrayList<>();
        all.forEach(s -> s.getAttributes().forEach((AttributeKey<?> k, Object v) -> values.add(k.getKey() + "=" + v)));
        assertThat(values).isNotEmpty();
        assertThat(values).noneMatch(v -> v.contains(BODY_TEXT))
                .noneMatch(v -> v.contains("eyJ"))
                .noneMatch(v -> v.contains("BEGIN") || v.contains("PRIVATE KEY"))
                .noneMatch(v -> v.toLowerCase().contains("authorization") || v.toLowerCase().contains("bearer"))
                .noneMatch(v -> v.contains("ops@fabrikam.example") || v.contains("@fabrikam.example"));
    }
}
