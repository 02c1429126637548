package io.graphmailer.adapter.out.jobs;

import io.graphmailer.application.port.out.AttachmentSource;
import io.graphmailer.application.port.out.RecipientRowSource.SourceException;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

/**
 * Reads a job's attachment (or any small file) from {@code classpath:path}, {@code file:path} or a plain
 * path, or {@code https://...} (no authentication). Larger files than {@code maxBytes} are refused.
 */
public final class LocationReader implements AttachmentSource {
    private final HttpClient client;
    private final Duration timeout;
    private final int maxBytes;

    public LocationReader(HttpClient client, Duration timeout, int maxBytes) {
        this.client = client;
        this.timeout = timeout;
        this.maxBytes = maxBytes;
    }

    @Override
    public byte[] read(String location) {
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
                HttpResponse<byte[]> response = client.send(HttpRequest.newBuilder(URI.create(location)).timeout(timeout).GET().build(),
                        HttpResponse.BodyHandlers.ofByteArray());
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
        return new String(read(location), java.nio.charset.StandardCharsets.UTF_8);
    }
}
