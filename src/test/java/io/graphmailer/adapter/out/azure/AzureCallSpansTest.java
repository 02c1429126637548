package io.graphmailer.adapter.out.azure;

import com.azure.security.keyvault.keys.cryptography.models.KeyWrapAlgorithm;
import io.graphmailer.adapter.out.telemetry.OtelTelemetry;
import io.graphmailer.standin.Standins;
import io.graphmailer.support.Azurite;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.SimpleSpanProcessor;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The spans of the clients {@link AzureClients} builds, against real parts: Key Vault's wrapKey and unwrapKey (the
 * Key Vault stand-in, on the managed identity stand-in's token) and an Azurite queue.
 */
class AzureCallSpansTest {
    private static final String KEY_NAME = "spans-cache-key";
    private final Standins standins = Standins.shared();
    private final InMemorySpanExporter spans = InMemorySpanExporter.create();
    private AzureClients azure;

    @BeforeEach
    void setUp() {
        standins.reset();
        standins.keyVault().createKey(KEY_NAME);
        standins.keyVault().grantCryptoUser(standins.functionIdentityOid());
        azure = new AzureClients(AzureClientsTest.storage(Azurite.shared().connectionString(), Duration.ofSeconds(5)),
                Optional.empty(), System.getenv());
        azure.telemetry = new OtelTelemetry(OpenTelemetrySdk.builder()
                .setTracerProvider(SdkTracerProvider.builder().addSpanProcessor(SimpleSpanProcessor.create(spans)).build()).build());
    }

    @Test
    void givenAKeyWrappedAndUnwrapped_thenEachKeyVaultRequestAndTheManagedIdentityTokenAreSpans() {
        var keys = azure.cryptography(standins.vaultUrl() + "/keys/" + KEY_NAME);
        byte[] dataKey = UUID.randomUUID().toString().getBytes(java.nio.charset.StandardCharsets.UTF_8);
        byte[] wrapped = keys.wrapKey(KeyWrapAlgorithm.RSA_OAEP_256, dataKey).getEncryptedKey();
        assertThat(keys.unwrapKey(KeyWrapAlgorithm.RSA_OAEP_256, wrapped).getKey()).isEqualTo(dataKey);

        List<SpanData> all = spans.getFinishedSpanItems();
        SpanData wrap = all.stream().filter(s -> s.getName().startsWith("keyvault POST /keys/{name}") && s.getName().endsWith("/wrapkey")
                && Long.valueOf(200).equals(s.getAttributes().get(OtelTelemetry.STATUS))).findFirst().orElseThrow(() -> new AssertionError(names(all)));
        SpanData unwrap = all.stream().filter(s -> s.getName().endsWith("/unwrapkey")
                && Long.valueOf(200).equals(s.getAttributes().get(OtelTelemetry.STATUS))).findFirst().orElseThrow(() -> new AssertionError(names(all)));
        for (SpanData s : List.of(wrap, unwrap)) {
            assertThat(s.getKind()).isEqualTo(SpanKind.CLIENT);
            assertThat(s.getAttributes().get(OtelTelemetry.SYSTEM)).isEqualTo("keyvault");
            assertThat(s.getAttributes().get(OtelTelemetry.DEPENDENCY_TYPE)).isEqualTo("Azure Key Vault");
            assertThat(s.getAttributes().get(OtelTelemetry.ROUTE)).doesNotContain(KEY_NAME);
            assertThat(s.getAttributes().get(OtelTelemetry.HOST)).isEqualTo(java.net.URI.create(standins.vaultUrl()).getHost());
        }
        assertThat(all).anySatisfy(s -> {
            assertThat(s.getName()).isEqualTo("identity token managed-identity");
            assertThat(s.getAttributes().get(OtelTelemetry.TOKEN_KIND)).isEqualTo("managed-identity");
        });
    }

    @Test
    void givenAQueueCreatedAndAMessageSent_thenEachStorageRequestIsASpanWithItsRouteAndRequestId() {
        String name = "spans-" + UUID.randomUUID().toString().substring(0, 8);
        azure.queue(name).createIfNotExists();
        azure.queue(name).sendMessage("hello");

        List<SpanData> all = spans.getFinishedSpanItems();
        SpanData send = all.stream().filter(s -> s.getName().equals("storage POST /{queue}/messages")).findFirst()
                .orElseThrow(() -> new AssertionError(names(all)));
        assertThat(send.getAttributes().get(OtelTelemetry.STATUS)).isEqualTo(201L);
        assertThat(send.getAttributes().get(OtelTelemetry.STORAGE_SERVICE)).isEqualTo("queue");
        assertThat(send.getAttributes().get(OtelTelemetry.STORAGE_RESOURCE)).isEqualTo(name);
        assertThat(send.getAttributes().get(OtelTelemetry.DEPENDENCY_TYPE)).isEqualTo("Azure queue");
        assertThat(send.getAttributes().get(OtelTelemetry.REQUEST_ID)).isNotBlank();
        assertThat(all).anySatisfy(s -> assertThat(s.getName()).isEqualTo("storage PUT /{queue}"));
    }

    private static String names(List<SpanData> all) {
        return all.stream().map(s -> s.getName() + "=" + s.getAttributes().get(OtelTelemetry.STATUS)).toList().toString();
    }
}
