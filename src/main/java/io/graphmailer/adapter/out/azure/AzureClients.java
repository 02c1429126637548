package io.graphmailer.adapter.out.azure;

import com.azure.core.credential.TokenCredential;
import com.azure.core.credential.TokenRequestContext;
import com.azure.core.client.traits.ConnectionStringTrait;
import com.azure.core.client.traits.EndpointTrait;
import com.azure.core.client.traits.TokenCredentialTrait;
import com.azure.core.http.HttpClient;
import com.azure.core.http.policy.ExponentialBackoffOptions;
import com.azure.core.http.policy.RetryOptions;
import com.azure.core.util.HttpClientOptions;
import com.azure.data.tables.TableClient;
import com.azure.data.tables.TableClientBuilder;
import com.azure.identity.DefaultAzureCredentialBuilder;
import com.azure.identity.ManagedIdentityCredentialBuilder;
import com.azure.security.keyvault.secrets.SecretClient;
import com.azure.security.keyvault.secrets.SecretClientBuilder;
import com.azure.storage.blob.BlobClient;
import com.azure.storage.blob.BlobClientBuilder;
import com.azure.storage.common.StorageSharedKeyCredential;
import com.azure.storage.queue.QueueClient;
import com.azure.storage.queue.QueueClientBuilder;
import com.azure.storage.queue.QueueMessageEncoding;
import io.graphmailer.config.GraphMailerConfig;
import jakarta.inject.Inject;
import jakarta.inject.Singleton;

import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The one place that builds Azure SDK clients, all on one {@link TokenCredential} and one HTTP client, each on first
 * use: a process that never touches a queue never builds a queue client, and no client is built while beans are made.
 * The credential is the managed identity wherever the platform announces one ({@code IDENTITY_ENDPOINT} on Functions and
 * App Service, {@code MSI_ENDPOINT} on older hosts; {@code AZURE_CLIENT_ID} picks a user-assigned one); only where nothing
 * announces it (a developer machine) is it the developer chain of {@code DefaultAzureCredential}. Locally and on Azurite a
 * storage connection string replaces the credential for storage.
 */
@Singleton
public class AzureClients {
    private final GraphMailerConfig.Storage storage;
    private final OnFirstUse<Optional<StorageSharedKeyCredential>> blobKey;
    private final Map<String, String> environment;
    private final OnFirstUse<HttpClient> http;
    private final OnFirstUse<TokenCredential> credential = new OnFirstUse<>(() -> TracedAzureCalls.traced(() -> this.telemetry,
            buildCredential(), managedIdentity() ? "managed-identity" : "developer"));
    private final Map<String, QueueClient> queues = new ConcurrentHashMap<>();
    private final Map<String, TableClient> tables = new ConcurrentHashMap<>();
    private final Map<String, SecretClient> vaults = new ConcurrentHashMap<>();
    private final Map<String, com.azure.security.keyvault.keys.cryptography.CryptographyClient> cryptography = new ConcurrentHashMap<>();
    /** A span for each request of every client built here ({@link TracedAzureCalls}); no-op until CDI injects the bean. */
    @Inject
    io.graphmailer.application.port.out.Telemetry telemetry = io.graphmailer.application.port.out.Telemetry.NONE;

    private static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(3);
    /** Queue and table requests: two retries, 250 ms then 500 ms apart (the SDK's default: three, up to 8 s apart). */
    private static final RetryOptions STORAGE_RETRIES = new RetryOptions(new ExponentialBackoffOptions().setMaxRetries(2)
            .setBaseDelay(Duration.ofMillis(250)).setMaxDelay(Duration.ofSeconds(1)));

    @Inject
    public AzureClients(GraphMailerConfig config) {
        this(config.storage(), config.attachments().blobConnectionString().or(() -> config.storage().connectionString()), System.getenv());
    }

    AzureClients(GraphMailerConfig.Storage storage, Optional<String> blobConnectionString, Map<String, String> environment) {
        this.storage = storage;
        Duration timeout = storage.timeout();
        this.http = new OnFirstUse<>(() -> HttpClient.createDefault(new HttpClientOptions()
                .setConnectTimeout(timeout.compareTo(CONNECT_TIMEOUT) < 0 ? timeout : CONNECT_TIMEOUT)
                .setResponseTimeout(timeout).setReadTimeout(timeout).setWriteTimeout(timeout)));
        this.blobKey = new OnFirstUse<>(() -> blobConnectionString.map(StorageSharedKeyCredential::fromConnectionString));
        this.environment = environment;
    }

    /** The process's one credential; its tokens are cached by azure-identity until near expiry. */
    public TokenCredential credential() {
        return credential.get();
    }

    /** A token for {@code scope} from the process's credential (for HTTPS sources outside the SDKs); never logged. */
    public String token(String scope) {
        return credential().getTokenSync(new TokenRequestContext().addScopes(scope)).getToken();
    }

    /** The HTTP client every Azure SDK client here shares (one connection pool, one event loop). */
    public HttpClient http() {
        return http.get();
    }

    /**
     * A client for one blob by URL (attachments by reference): the account key of a connection string (the attachments'
     * own, else the storage one, for Azurite), otherwise the credential.
     */
    public BlobClient blob(String url) {
        BlobClientBuilder builder = new BlobClientBuilder().endpoint(url).httpClient(http())
                .addPolicy(traced("storage", "blob", com.azure.storage.blob.BlobUrlParts.parse(url).getBlobContainerName()));
        StorageSharedKeyCredential key = blobKey.get().orElse(null);
        return key != null ? builder.credential(key).buildClient() : builder.credential(credential()).buildClient();
    }

    /** A queue client with base64 message encoding (what the Functions queue trigger reads and writes). */
    public QueueClient queue(String name) {
        return queues.computeIfAbsent(name, n -> onStorage(new QueueClientBuilder().queueName(n).messageEncoding(QueueMessageEncoding.BASE64)
                .httpClient(http()).addPolicy(traced("storage", "queue", n)).retryOptions(STORAGE_RETRIES), storage.queueEndpoint(), "the outbox queue needs GRAPH_MAILER_STORAGE_QUEUE_ENDPOINT").buildClient());
    }

    public TableClient table(String name) {
        return tables.computeIfAbsent(name, n -> onStorage(new TableClientBuilder().tableName(n).httpClient(http()).addPolicy(traced("storage", "table", n)).retryOptions(STORAGE_RETRIES),
                storage.tableEndpoint(), "the send ledger needs GRAPH_MAILER_STORAGE_TABLE_ENDPOINT").buildClient());
    }

    /** The storage connection string where one is set (locally, Azurite), else the endpoint with the credential. */
    private <B extends ConnectionStringTrait<B> & EndpointTrait<B> & TokenCredentialTrait<B>> B onStorage(B builder,
                                                                                                        Optional<String> endpoint,
                                                                                                        String missing) {
        if (storage.connectionString().isPresent()) {
            return builder.connectionString(storage.connectionString().get());
        }
        return builder.endpoint(endpoint.orElseThrow(() -> new IllegalStateException(missing + " (or a connection string locally)")))
                .credential(credential());
    }

    public SecretClient secrets(String vaultUrl) {
        return vaults.computeIfAbsent(vaultUrl, url -> new SecretClientBuilder().vaultUrl(url).httpClient(http()).addPolicy(traced("keyvault", "secrets", null))
                .credential(credential()).buildClient());
    }

    /** A client for one Key Vault key by its id ({@code <vault>/keys/<name>[/<version>]}): wrapKey and unwrapKey on the service. */
    public com.azure.security.keyvault.keys.cryptography.CryptographyClient cryptography(String keyId) {
        return cryptography.computeIfAbsent(keyId, id -> new com.azure.security.keyvault.keys.cryptography.CryptographyClientBuilder()
                .keyIdentifier(id).httpClient(http()).addPolicy(traced("keyvault", "keys", null)).credential(credential()).buildClient());
    }

    private TracedAzureCalls traced(String system, String service, String resource) {
        return new TracedAzureCalls(() -> telemetry, system, service, resource);
    }

    private boolean managedIdentity() {
        return present("IDENTITY_ENDPOINT") || present("MSI_ENDPOINT");
    }

    private TokenCredential buildCredential() {
        if (!managedIdentity()) {
            return new DefaultAzureCredentialBuilder().build();
        }
        ManagedIdentityCredentialBuilder builder = new ManagedIdentityCredentialBuilder();
        if (present("AZURE_CLIENT_ID")) {
            builder.clientId(environment.get("AZURE_CLIENT_ID"));
        }
        return builder.build();
    }

    private boolean present(String name) {
        String value = environment.get(name);
        return value != null && !value.isBlank();
    }
}
