package io.graphmailer.adapter.out.jobs;

import io.graphmailer.adapter.out.azure.AzureClients;
import io.graphmailer.application.port.out.AttachmentSource;
import io.graphmailer.application.port.out.RecipientRowSource.SourceException;
import io.graphmailer.domain.MailLimits;
import jakarta.inject.Inject;
import jakarta.inject.Singleton;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * Reads a job's attachment (or any small file) from {@code classpath:path}, {@code file:path} or a plain
 * path, or {@code https://...}: without authentication, or with a managed-identity bearer token for
 * a scope (e.g. {@code https://storage.azure.com/.default} for a blob in Azure Storage). Larger files
 * than {@code maxBytes} are refused.
 */
@Singleton
public final class LocationReader implements AttachmentSource {
    private static final Duration TIMEOUT = Duration.ofSeconds(30);

    private final Supplier<HttpClient> client;
    private final Duration timeout;
    private final int maxBytes;
    private final Function<String, String> tokenForScope;

    /** Blob Storage accepts bearer tokens only from this REST version on. */
    static final String STORAGE_API_VERSION = "2020-04-08";

    /** Files up to the inline attachment limit; managed-identity tokens from the process's one credential. */
    @Inject
    public LocationReader(MailLimits limits, AzureClients azure) {
        this(HttpsRowSource::sharedClient, TIMEOUT, limits.maxInlineAttachmentBytes(), azure::token);
    }

    LocationReader(HttpClient client, Duration timeout, int maxBytes) {
        this(() -> client, timeout, maxBytes, scope -> {
            throw new IllegalStateException("no managed identity for " + scope);
        });
    }

    private LocationReader(Supplier<HttpClient> client, Duration timeout, int maxBytes, Function<String, String> tokenForScope) {
        this.client = client;
        this.timeout = timeout;
        this.maxBytes = maxBytes;
        this.tokenForScope = tokenForScope;
    }

    @Override
    public byte[] read(String location) {
        return read(location, null, null);
    }

    /**
     * @param scope         when not null, https reads carry a bearer token for this scope (managed identity)
     * @param tokenForScope gets that token
     */
    byte[] read(String location, String scope, Function<String, String> tokenForScope) {
        try {
            byte[] content;
            if (location.startsWith("classpath:")) {
                String path = location.substring("classpath:".length()).replaceFirst("^/", "");
                try (InputStream in = Thread.currentThread().getContextClassLoader().getResourceAsStream(path)) {
                    if (in == null) {
                        throw new SourceException(location + " is not on the classpath");
                    }
                    content = in.readNBytes(maxBytes + 1);
                }
            } else if (location.startsWith("https://")) {
                HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(location)).timeout(timeout).GET();
                if (scope != null) {
                    request.header("Authorization", "Bearer " + tokenForScope.apply(scope)).header("x-ms-version", STORAGE_API_VERSION);
                }
                HttpResponse<byte[]> response = client.get().send(request.build(), HttpResponse.BodyHandlers.ofByteArray());
                if (response.statusCode() / 100 != 2) {
                    throw new SourceException(location + " answered HTTP " + response.statusCode());
                }
                content = response.body();
            } else if (location.startsWith("http:")) {
                throw new SourceException(location + ": only https locations are read");
            } else {
                Path path = Path.of(location.startsWith("file:") ? location.substring("file:".length()) : location);
                if (!Files.isRegularFile(path)) {
                    throw new SourceException(location + " is not a readable file");
                }
                try (InputStream in = Files.newInputStream(path)) {
                    content = in.readNBytes(maxBytes + 1);
                }
            }
            if (content.length > maxBytes) {
                throw new SourceException(location + " is larger than " + maxBytes + " bytes");
            }
            return content;
        } catch (IOException e) {
            throw new SourceException(location + " could not be read: " + e.getClass().getSimpleName());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new SourceException(location + " could not be read: interrupted");
        }
    }

    /** Reads a text file (job definitions) the same way. */
    public String readText(String location) {
        return readText(location, null, null);
    }

    /** @param scope when not null, an https read carries a managed-identity bearer token for this scope */
    public String readText(String location, String scope) {
        return readText(location, scope, tokenForScope);
    }

    String readText(String location, String scope, Function<String, String> tokenForScope) {
        return new String(read(location, scope, tokenForScope), java.nio.charset.StandardCharsets.UTF_8);
    }
}
