package io.graphmailer.adapter.out.telemetry;

import io.graphmailer.domain.TrackingId;
import io.graphmailer.standin.Standins;
import io.graphmailer.support.Azurite;
import io.graphmailer.support.AzuriteResource;
import io.graphmailer.support.FunctionsHostDriver;
import io.graphmailer.support.SmtpStandinsResource;
import io.graphmailer.support.StandinsResource;
import io.graphmailer.support.TestTokens;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.trace.SpanKind;
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
 * Telemetry on: every outbound call of a send is a span under the trigger's, with the tracking id and the Functions
 * invocation id. The certificate is read from the vault on every token (check interval 0) and tokens live 60 s (less
 * than the usable margin), so each send reads Key Vault and asks the identity platform: the spans do not depend on
 * which test ran first.
 */
@QuarkusTest
@TestProfile(TelemetryTest.On.class)
@WithTestResource(value = SmtpStandinsResource.class, initArgs = {@ResourceArg(name = "certificateCheckInterval", value = "PT0S"),
        @ResourceArg(name = "tokenLifetimeSeconds", value = "60")})
@WithTestResource(value = AzuriteResource.class, initArgs = @ResourceArg(name = "name", value = "spans"))
class OutboundSpansTest {
    private static final String ROOT = "0000000000000000";

    @Inject
    InMemorySpanExporter spans;

    @TestHTTPResource("/OutboxQueue")
    URI handler;

    private final Standins standins = Standins.shared();

    @BeforeEach
    void reset() {
        standins.reset();
        new SmtpStandinsResource().prepare(standins);
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
        assertThat(attr(smtp, OtelTelemetry.STATUS)).isEqualTo(250L);
        assertThat(attr(smtp, OtelTelemetry.HOST)).isEqualTo("localhost");
        assertThat(attr(smtp, OtelTelemetry.TRACKING_ID)).isEqualTo(trackingId);
        assertThat(attr(smtp, OtelTelemetry.INVOCATION_ID)).isEqualTo(invocationId);
        assertThat(smtp.getKind()).isEqualTo(SpanKind.CLIENT);
    }
}
