package io.graphmailer.adapter.out.telemetry;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.graphmailer.domain.TrackingId;
import io.graphmailer.standin.AadError;
import io.graphmailer.standin.GraphFault;
import io.graphmailer.standin.Standins;
import io.graphmailer.support.Azurite;
import io.graphmailer.support.AzuriteResource;
import io.graphmailer.support.FunctionsHostDriver;
import io.graphmailer.support.SmtpStandinsResource;
import io.graphmailer.support.StandinsResource;
import io.graphmailer.support.TestTokens;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.sdk.metrics.data.MetricData;
import io.opentelemetry.sdk.testing.exporter.InMemoryMetricExporter;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.restassured.http.ContentType;
import jakarta.inject.Inject;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Predicate;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Telemetry on: every outbound call of a send is a span under the trigger's (and the metrics of those calls: queue
 * message age, token refreshes, certificate days to expiry, throttles inside the Graph client's retries), with the tracking id and the Functions
 * invocation id. The certificate is read from the vault on every token (check interval 0) and tokens live 60 s (less
 * than the usable margin), so each send reads Key Vault and asks the identity platform: the spans do not depend on
 * which test ran first.
 */
@QuarkusTest
@TestProfile(TelemetryTest.On.class)
@WithTestResource(value = SmtpStandinsResource.class, initArgs = {@ResourceArg(name = "certificateCheckInterval", value = "PT0S"),
        @ResourceArg(name = "tokenLifetimeSeconds", value = "60")})
@WithTestResource(value = AzuriteResource.class, initArgs = @ResourceArg(name = "name", value = "spans"))
class OutboundTelemetryTest {
    private static final String ROOT = "0000000000000000";

    @Inject
    InMemorySpanExporter spans;
    @Inject
    InMemoryMetricExporter metrics;

    @Inject
    io.graphmailer.adapter.out.azure.AzureClients azure;

    @TestHTTPResource("/OutboxQueue")
    URI handler;

    private final Standins standins = Standins.shared();

    @BeforeEach
    void reset() {
        standins.reset();
        SmtpStandinsResource resource = new SmtpStandinsResource();
        resource.init(java.util.Map.of("tokenLifetimeSeconds", "60")); // as the class's resource: every send asks for a token
        resource.prepare(standins);
        spans.reset();
    }

    private static String body() {
        return "{\"message\":{\"subject\":\"spans\",\"body\":{\"contentType\":\"text\",\"content\":\"c\"},"
                + "\"toRecipients\":[{\"emailAddress\":{\"address\":\"ops@fabrikam.example\"}}]}}";
    }

    private static String send(String mailbox, String invocationId) {
        return given().header("Authorization", TestTokens.bearer()).header("X-Azure-Functions-InvocationId", invocationId)
                .contentType(ContentType.JSON).body(body()).when().post("/api/users/" + mailbox + "/sendMail")
                .then().statusCode(202).extract().path("trackingId");
    }

    /** The finished spans once {@code done} holds (the batch processor exports every 100 ms), or after 20 s. */
    private List<SpanData> await(Predicate<List<SpanData>> done) throws InterruptedException {
        Instant until = Instant.now().plusSeconds(20);
        List<SpanData> all = spans.getFinishedSpanItems();
        while (!done.test(all) && Instant.now().isBefore(until)) {
            Thread.sleep(100);
            all = spans.getFinishedSpanItems();
        }
        return all;
    }

    private static Predicate<List<SpanData>> has(Predicate<SpanData> span) {
        return l -> l.stream().anyMatch(span);
    }

    private static Predicate<SpanData> named(String prefix) {
        return s -> s.getName().startsWith(prefix);
    }

    private static SpanData one(List<SpanData> all, Predicate<SpanData> which) {
        return all.stream().filter(which).findFirst().orElseThrow(() -> new AssertionError("no such span among "
                + all.stream().map(SpanData::getName).toList()));
    }

    private static SpanData parent(List<SpanData> all, SpanData child) {
        return one(all, s -> s.getSpanId().equals(child.getParentSpanId()));
    }

    /** The ancestors of {@code span}, nearest first, as far as they were exported. */
    private static List<SpanData> ancestors(List<SpanData> all, SpanData span) {
        List<SpanData> out = new ArrayList<>();
        Optional<SpanData> up = Optional.of(span);
        while (up.isPresent() && !up.get().getParentSpanId().equals(ROOT)) {
            String parentId = up.get().getParentSpanId();
            up = all.stream().filter(s -> s.getSpanId().equals(parentId)).findFirst();
            up.ifPresent(out::add);
        }
        return out;
    }

    private static <T> T attr(SpanData span, AttributeKey<T> key) {
        return span.getAttributes().get(key);
    }

    /**
     * No attribute of any span carries a token (a JWT, a bearer header), a key or certificate, the body, a recipient or
     * a query string; an address appears only as the send span's mailbox (and in the inbound request's own path).
     */
    private static void assertNothingSecretIn(List<SpanData> all) {
        List<String> values = new ArrayList<>();
        all.forEach(s -> s.getAttributes().forEach((AttributeKey<?> k, Object v) -> values.add(k.getKey() + "=" + v)));
        assertThat(values).isNotEmpty()
                .noneMatch(v -> v.contains("eyJ"))
                .noneMatch(v -> v.toLowerCase(java.util.Locale.ROOT).contains("bearer") || v.toLowerCase(java.util.Locale.ROOT).contains("authorization"))
                .noneMatch(v -> v.contains("BEGIN") || v.contains("PRIVATE KEY") || v.contains("MII"))
                .noneMatch(v -> v.contains("ops@fabrikam.example") || v.contains("\"content\""))
                .noneMatch(v -> v.startsWith("url.template=") && v.contains("?"))
                // Quarkus' server span records the caller's own request path (/api/users/{mailbox}/sendMail) as url.path.
                .allMatch(v -> !v.contains("@") || v.startsWith(OtelTelemetry.MAILBOX.getKey() + "=")
                        || v.startsWith(OtelTelemetry.TRANSPORT.getKey() + "=") || v.startsWith("url.path=/api/users/"));
    }

    @Test
    void givenAnHttpSendThroughGraph_thenKeyVaultTokenAndGraphSpansAreChildrenOfTheSendUnderTheServerSpanWithTheIds() throws Exception {
        String invocationId = "0b8a6f0e-2222-4c1e-9d55-000000000001";
        String trackingId = send(StandinsResource.OTHER_MAILBOX, invocationId);

        List<SpanData> all = await(has(named("graph POST")).and(has(s -> s.getKind() == SpanKind.SERVER)));
        SpanData graph = one(all, named("graph POST /v1.0/users/{mailbox}/sendMail"));
        SpanData send = parent(all, graph);
        SpanData server = parent(all, send);
        assertThat(send.getName()).isEqualTo(OtelTelemetry.SEND_SPAN);
        assertThat(server.getKind()).isEqualTo(SpanKind.SERVER);
        assertThat(attr(server, OtelTelemetry.INVOCATION_ID)).isEqualTo(invocationId);
        assertThat(graph.getKind()).isEqualTo(SpanKind.CLIENT);
        assertThat(attr(graph, OtelTelemetry.STATUS)).isEqualTo(202L);
        assertThat(attr(graph, OtelTelemetry.DEPENDENCY_TYPE)).isEqualTo("Http");
        assertThat(attr(graph, OtelTelemetry.ROUTE)).isEqualTo("/v1.0/users/{mailbox}/sendMail");
        assertThat(attr(graph, OtelTelemetry.METHOD)).isEqualTo("POST");
        assertThat(attr(graph, OtelTelemetry.REQUEST_ID)).isNotBlank();
        assertThat(attr(graph, OtelTelemetry.HOST)).isEqualTo(URI.create(standins.graph().baseUrl()).getHost());

        SpanData vault = one(all, s -> s.getName().startsWith("keyvault GET /secrets/{name}") && Long.valueOf(200).equals(attr(s, OtelTelemetry.STATUS)));
        SpanData token = one(all, named("identity token app-only"));
        assertThat(attr(token, OtelTelemetry.TOKEN_SOURCE)).isEqualTo("network");
        assertThat(attr(token, OtelTelemetry.TOKEN_KIND)).isEqualTo("app-only");
        for (SpanData call : List.of(vault, token, graph)) {
            assertThat(call.getParentSpanId()).as(call.getName()).isEqualTo(send.getSpanId());
            assertThat(call.getTraceId()).isEqualTo(server.getTraceId());
            assertThat(attr(call, OtelTelemetry.TRACKING_ID)).as(call.getName()).isEqualTo(trackingId);
            assertThat(attr(call, OtelTelemetry.INVOCATION_ID)).as(call.getName()).isEqualTo(invocationId);
            assertThat(attr(call, OtelTelemetry.SYSTEM)).isIn("graph", "keyvault", "identity");
        }
        assertThat(attr(vault, OtelTelemetry.ROUTE)).doesNotContain(Standins.CERTIFICATE_NAME).doesNotContain("?");
        assertNothingSecretIn(all);
    }

    @Test
    void givenAQueuedSend_thenStorageAndGraphSpansSitUnderTheQueueInvocationWithItsInvocationIdAndTrackingId() throws Exception {
        String cs = Azurite.shared().connectionString();
        String queue = AzuriteResource.queueName("spans");
        FunctionsHostDriver.Queues queues = FunctionsHostDriver.Queues.empty(cs, queue);
        String key = "spans-order-1";
        queues.outbox().sendMessage("{\"version\":1,\"mailbox\":\"" + StandinsResource.OTHER_MAILBOX + "\",\"sendMail\":" + body()
                + ",\"idempotencyKey\":\"" + key + "\"}");
        try (FunctionsHostDriver host = FunctionsHostDriver.fromHostJson(cs, queue, handler)) {
            host.drain(Duration.ofSeconds(30));
            assertThat(host.failedInvocations()).isZero();
        }
        String trackingId = TrackingId.fromIdempotencyKey(key);

        List<SpanData> all = await(has(named("graph POST")).and(has(s -> s.getKind() == SpanKind.SERVER
                && "POST".equals(s.getAttributes().get(AttributeKey.stringKey("http.request.method"))))));
        SpanData graph = one(all, named("graph POST /v1.0/users/{mailbox}/sendMail"));
        SpanData server = ancestors(all, graph).stream().filter(s -> s.getKind() == SpanKind.SERVER).findFirst().orElseThrow();
        String invocationId = attr(server, OtelTelemetry.INVOCATION_ID);
        assertThat(invocationId).isNotBlank();
        assertThat(attr(server, OtelTelemetry.TRACKING_ID)).isEqualTo(trackingId);
        assertThat(attr(graph, OtelTelemetry.INVOCATION_ID)).isEqualTo(invocationId);
        assertThat(attr(graph, OtelTelemetry.TRACKING_ID)).isEqualTo(trackingId);

        List<SpanData> storage = all.stream().filter(named("storage ")).filter(s -> s.getTraceId().equals(server.getTraceId())).toList();
        assertThat(storage).as("the ledger's table requests in the invocation's trace").isNotEmpty();
        assertThat(storage).anySatisfy(s -> {
            assertThat(attr(s, OtelTelemetry.STORAGE_SERVICE)).isEqualTo("table");
            assertThat(attr(s, OtelTelemetry.DEPENDENCY_TYPE)).isEqualTo("Azure table");
            assertThat(attr(s, OtelTelemetry.STORAGE_RESOURCE)).isEqualTo(AzuriteResource.ledgerTable("spans"));
            assertThat(attr(s, OtelTelemetry.ROUTE)).startsWith("/{table}");
            assertThat(attr(s, OtelTelemetry.STATUS)).isBetween(200L, 499L);
            assertThat(attr(s, OtelTelemetry.REQUEST_ID)).isNotBlank();
        });
        for (SpanData s : storage) {
            assertThat(ancestors(all, s)).as(s.getName()).contains(server);
            assertThat(attr(s, OtelTelemetry.INVOCATION_ID)).as(s.getName()).isEqualTo(invocationId);
            assertThat(attr(s, OtelTelemetry.TRACKING_ID)).as(s.getName()).isEqualTo(trackingId);
            assertThat(attr(s, OtelTelemetry.ROUTE)).doesNotContain("PartitionKey").doesNotContain("?");
        }
        assertNothingSecretIn(all);
    }

    @Test
    void givenAnSmtpSend_thenTheSmtpSpanIsAChildOfTheSendWithTheReplyCodeAndTheIds() throws Exception {
        String invocationId = "0b8a6f0e-2222-4c1e-9d55-000000000003";
        String trackingId = send(Standins.MAILBOX, invocationId);

        List<SpanData> all = await(has(named("smtp send")).and(has(s -> s.getKind() == SpanKind.SERVER)));
        SpanData smtp = one(all, named("smtp send"));
        SpanData send = parent(all, smtp);
        assertThat(send.getName()).isEqualTo(OtelTelemetry.SEND_SPAN);
        assertThat(attr(send, OtelTelemetry.TRANSPORT)).contains("smtp for 1 mailbox");
        assertThat(attr(parent(all, send), OtelTelemetry.INVOCATION_ID)).isEqualTo(invocationId);
        assertThat(attr(smtp, OtelTelemetry.REPLY_CODE)).isEqualTo(250L);
        assertThat(attr(smtp, OtelTelemetry.DEPENDENCY_TYPE)).isEqualTo("SMTP");
        assertThat(attr(smtp, OtelTelemetry.HOST)).isEqualTo("localhost");
        assertThat(attr(smtp, OtelTelemetry.TRACKING_ID)).isEqualTo(trackingId);
        assertThat(attr(smtp, OtelTelemetry.INVOCATION_ID)).isEqualTo(invocationId);
        assertThat(smtp.getKind()).isEqualTo(SpanKind.CLIENT);
        assertNothingSecretIn(all);
    }

    /** Every exported point set of metric {@code name} once {@code done} holds for them, or after 20 s. */
    private List<MetricData> awaitMetric(String name, Predicate<List<MetricData>> done) throws InterruptedException {
        Instant until = Instant.now().plusSeconds(20);
        List<MetricData> found = metrics.getFinishedMetricItems().stream().filter(m -> m.getName().equals(name)).toList();
        while (!done.test(found) && Instant.now().isBefore(until)) {
            Thread.sleep(200);
            found = metrics.getFinishedMetricItems().stream().filter(m -> m.getName().equals(name)).toList();
        }
        return found;
    }

    @Test
    void givenAQueueMessageInsertedTenMinutesAgo_thenItsAgeAtProcessingIsMeasuredForItsMailbox() throws Exception {
        ObjectMapper json = new ObjectMapper();
        String envelope = "{\"version\":1,\"mailbox\":\"" + StandinsResource.OTHER_MAILBOX + "\",\"sendMail\":" + body()
                + ",\"idempotencyKey\":\"age-order-1\"}";
        ObjectNode invocation = json.createObjectNode();
        invocation.putObject("Data").put("message", json.writeValueAsString(envelope));
        ObjectNode metadata = invocation.putObject("Metadata");
        metadata.put("DequeueCount", "1");
        metadata.put("Id", "\"age-1\"");
        // As the host writes it: an ISO date with an offset.
        metadata.put("InsertionTime", java.time.OffsetDateTime.now(java.time.ZoneOffset.UTC).minusMinutes(10).toString());
        given().header("X-Azure-Functions-InvocationId", "0b8a6f0e-2222-4c1e-9d55-000000000004").contentType(ContentType.JSON)
                .body(invocation.toString()).when().post("/OutboxQueue").then().statusCode(200);

        List<MetricData> ages = awaitMetric(OtelTelemetry.QUEUE_MESSAGE_AGE, l -> l.stream().flatMap(m -> m.getHistogramData().getPoints().stream())
                .anyMatch(p -> p.getMax() >= 600));
        var point = ages.stream().flatMap(m -> m.getHistogramData().getPoints().stream()).filter(p -> p.getMax() >= 600).findFirst().orElseThrow();
        assertThat(point.getMax()).as("seconds since the insertion time").isBetween(600.0, 660.0);
        assertThat(point.getAttributes().get(OtelTelemetry.MAILBOX)).isEqualTo(StandinsResource.OTHER_MAILBOX);
        assertThat(ages.get(0).getUnit()).isEqualTo("s");
    }

    @Test
    void givenTokensHadAndOneRefused_thenRefreshesAreCountedByKindSourceAndTheFailureByItsCode() throws Exception {
        send(StandinsResource.OTHER_MAILBOX, "0b8a6f0e-2222-4c1e-9d55-000000000005");
        standins.identity().failNext(1, AadError.APPLICATION_NOT_FOUND);
        given().header("Authorization", TestTokens.bearer()).contentType(ContentType.JSON).body(body())
                .when().post("/api/users/" + StandinsResource.OTHER_MAILBOX + "/sendMail").then().statusCode(500);

        Predicate<io.opentelemetry.sdk.metrics.data.LongPointData> ok = p -> "app-only".equals(p.getAttributes().get(OtelTelemetry.TOKEN_KIND))
                && "network".equals(p.getAttributes().get(OtelTelemetry.TOKEN_SOURCE)) && "ok".equals(p.getAttributes().get(OtelTelemetry.OUTCOME));
        Predicate<io.opentelemetry.sdk.metrics.data.LongPointData> failed = p -> "failed".equals(p.getAttributes().get(OtelTelemetry.OUTCOME))
                && "AADSTS700016".equals(p.getAttributes().get(OtelTelemetry.ERROR_CODE));
        List<MetricData> refreshes = awaitMetric(OtelTelemetry.TOKEN_REFRESHES, l -> l.stream().flatMap(m -> m.getLongSumData().getPoints().stream())
                .anyMatch(failed));
        List<io.opentelemetry.sdk.metrics.data.LongPointData> points = refreshes.stream().flatMap(m -> m.getLongSumData().getPoints().stream()).toList();
        assertThat(points).anySatisfy(p -> {
            assertThat(ok.test(p)).isTrue();
            assertThat(p.getValue()).isPositive();
        });
        assertThat(points).anySatisfy(p -> {
            assertThat(failed.test(p)).isTrue();
            assertThat(p.getAttributes().get(OtelTelemetry.TOKEN_KIND)).isEqualTo("app-only");
        });
    }

    @Test
    void givenTheCertificateLoaded_thenItsDaysToExpiryAreAGauge() throws Exception {
        send(StandinsResource.OTHER_MAILBOX, "0b8a6f0e-2222-4c1e-9d55-000000000006");
        double expected = Duration.between(Instant.now(), standins.clientCertificate().certificate().getNotAfter().toInstant()).toSeconds() / 86_400.0;

        List<MetricData> days = awaitMetric(OtelTelemetry.CERTIFICATE_DAYS, l -> !l.isEmpty());
        assertThat(days).isNotEmpty();
        double value = days.get(days.size() - 1).getDoubleGaugeData().getPoints().iterator().next().getValue();
        assertThat(value).isCloseTo(expected, org.assertj.core.data.Offset.offset(0.01));
        assertThat(expected).isPositive();
    }

    @Test
    void givenAThrottleTheGraphClientRetriesItself_thenTheThrottleAndItsRetryAfterAreCountedThoughTheSendSucceeded() throws Exception {
        // Retry-After 1 s is within the stand-ins' 3 s max-throttle-wait: graph-core waits and retries, the send is a 202.
        standins.graph().injectFaults(1, GraphFault.throttled(1));
        send(StandinsResource.OTHER_MAILBOX, "0b8a6f0e-2222-4c1e-9d55-000000000007");

        Predicate<io.opentelemetry.sdk.metrics.data.LongPointData> throttle = p -> Long.valueOf(429).equals(p.getAttributes().get(OtelTelemetry.STATUS))
                && StandinsResource.OTHER_MAILBOX.equals(p.getAttributes().get(OtelTelemetry.MAILBOX));
        List<MetricData> throttles = awaitMetric(OtelTelemetry.GRAPH_THROTTLES, l -> l.stream().flatMap(m -> m.getLongSumData().getPoints().stream())
                .anyMatch(throttle));
        assertThat(throttles.stream().flatMap(m -> m.getLongSumData().getPoints().stream()).filter(throttle))
                .anySatisfy(p -> assertThat(p.getValue()).isGreaterThanOrEqualTo(1));
        List<MetricData> waits = awaitMetric(OtelTelemetry.GRAPH_RETRY_AFTER, l -> !l.isEmpty());
        assertThat(waits.stream().flatMap(m -> m.getHistogramData().getPoints().stream()))
                .anySatisfy(p -> {
                    assertThat(p.getAttributes().get(OtelTelemetry.MAILBOX)).isEqualTo(StandinsResource.OTHER_MAILBOX);
                    assertThat(p.getMax()).isEqualTo(1.0);
                });
        // The throttled attempt is a span of its own, beside the one that succeeded.
        List<SpanData> all = await(l -> l.stream().filter(named("graph POST")).count() >= 2);
        assertThat(all.stream().filter(named("graph POST")).map(s -> attr(s, OtelTelemetry.STATUS))).contains(429L, 202L);
        assertThat(all.stream().filter(named("graph POST")).filter(s -> Long.valueOf(429).equals(attr(s, OtelTelemetry.STATUS))))
                .allSatisfy(s -> assertThat(attr(s, OtelTelemetry.RETRY_AFTER_SECONDS)).isEqualTo(1L));
    }

    @Test
    void givenATokenFromTheManagedIdentity_thenItIsAnIdentitySpanAndCounted() throws Exception {
        // A scope no other call of this app asks for, so the credential has no token for it yet.
        String token = azure.token("https://spans.example.test/.default");
        assertThat(token).isNotBlank();

        List<SpanData> all = await(has(named("identity token managed-identity")));
        SpanData span = one(all, named("identity token managed-identity"));
        assertThat(span.getKind()).isEqualTo(SpanKind.CLIENT);
        assertThat(attr(span, OtelTelemetry.TOKEN_KIND)).isEqualTo("managed-identity");
        assertThat(attr(span, OtelTelemetry.TOKEN_SOURCE)).isEqualTo("credential");
        List<MetricData> refreshes = awaitMetric(OtelTelemetry.TOKEN_REFRESHES, l -> l.stream().flatMap(m -> m.getLongSumData().getPoints().stream())
                .anyMatch(p -> "managed-identity".equals(p.getAttributes().get(OtelTelemetry.TOKEN_KIND))));
        assertThat(refreshes.stream().flatMap(m -> m.getLongSumData().getPoints().stream()))
                .anySatisfy(p -> assertThat(p.getAttributes().get(OtelTelemetry.TOKEN_KIND)).isEqualTo("managed-identity"));
    }

    @Test
    void givenGraphRefusingTheMailbox_thenItsSpanIsAnErrorWithTheStatusAndTheSendSpanHasGraphsCode() throws Exception {
        given().header("Authorization", TestTokens.bearer()).header("X-Azure-Functions-InvocationId", "0b8a6f0e-2222-4c1e-9d55-000000000008")
                .contentType(ContentType.JSON).body(body()).when().post("/api/users/" + StandinsResource.UNSCOPED_MAILBOX + "/sendMail")
                .then().statusCode(500);

        List<SpanData> all = await(has(named("graph POST")).and(has(named(OtelTelemetry.SEND_SPAN))));
        SpanData graph = one(all, named("graph POST /v1.0/users/{mailbox}/sendMail"));
        assertThat(attr(graph, OtelTelemetry.STATUS)).isEqualTo(403L);
        assertThat(graph.getStatus().getStatusCode()).isEqualTo(io.opentelemetry.api.trace.StatusCode.ERROR);
        assertThat(attr(graph, OtelTelemetry.ERROR_CODE)).isEqualTo("Http403");
        SpanData send = parent(all, graph);
        assertThat(attr(send, OtelTelemetry.ERROR_CODE)).isEqualTo("MailboxOutOfScope");
        assertThat(attr(graph, OtelTelemetry.INVOCATION_ID)).isEqualTo("0b8a6f0e-2222-4c1e-9d55-000000000008");
        assertNothingSecretIn(all);
    }
}
