package io.graphmailer.adapter.out.jobs;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import io.graphmailer.adapter.out.azure.AzureClients;
import io.graphmailer.application.port.out.RecipientRowSource;
import io.graphmailer.config.GraphMailerConfig;
import io.graphmailer.domain.job.DataSource;
import jakarta.inject.Inject;
import jakarta.inject.Singleton;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Iterator;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * A job's rows from a JSON array of objects over HTTPS. The response is written to a temporary file
 * (within the source's timeout) and read through once with Jackson's streaming parser to check it
 * completely (JSON well-formed, every element an object, row limit); only then are rows handed out,
 * one at a time from the file, as often as asked. Memory holds one row, never the array.
 */
@Singleton
public final class HttpsRowSource implements RecipientRowSource {
    private static final TypeReference<Map<String, Object>> ROW = new TypeReference<>() {
    };

    private final Supplier<HttpClient> client;
    private final Function<String, String> tokenForScope;
    private final long maxRows;
    private final ObjectMapper mapper = JsonMapper.builder(JsonFactory.builder()
            .streamReadConstraints(StreamReadConstraints.builder().maxNestingDepth(32).build()).build()).build();

    /** Managed-identity tokens from the process's one credential; the HTTP client is built when a job first reads rows. */
    @Inject
    public HttpsRowSource(GraphMailerConfig config, AzureClients azure) {
        this(HttpsRowSource::sharedClient, azure::token, config.jobs().maxRows());
    }

    /**
     * @param tokenForScope gets a managed-identity access token for a scope (only called for auth managed-identity)
     */
    HttpsRowSource(HttpClient client, Function<String, String> tokenForScope, long maxRows) {
        this(() -> client, tokenForScope, maxRows);
    }

    private HttpsRowSource(Supplier<HttpClient> client, Function<String, String> tokenForScope, long maxRows) {
        this.client = client;
        this.tokenForScope = tokenForScope;
        this.maxRows = maxRows;
    }

    static HttpClient defaultClient() {
        return HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).followRedirects(HttpClient.Redirect.NEVER).build();
    }

    /** The JDK client the job adapters share, built on first use. */
    static HttpClient sharedClient() {
        return SharedClient.INSTANCE;
    }

    private static final class SharedClient {
        static final HttpClient INSTANCE = defaultClient();
    }

    @Override
    public RowSet open(DataSource source) {
        Path file;
        try {
            file = Files.createTempFile("graph-mailer-rows-", ".json");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        try {
            download(source, file);
            long count = check(source, file);
            return new FileRowSet(file, count);
        } catch (RuntimeException e) {
            delete(file);
            throw e;
        }
    }

    private void download(DataSource source, Path file) {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(source.url()))
                .timeout(source.timeout())
                .header("Accept", "application/json")
                .GET();
        if (source.auth() == DataSource.Auth.MANAGED_IDENTITY) {
            String token;
            try {
                token = tokenForScope.apply(source.scope());
            } catch (RuntimeException e) {
                throw new SourceException("no managed-identity token for scope " + source.scope() + ": " + e.getClass().getSimpleName());
            }
            request.header("Authorization", "Bearer " + token);
        }
        CompletableFuture<HttpResponse<Path>> future = client.get().sendAsync(request.build(), HttpResponse.BodyHandlers.ofFile(file));
        HttpResponse<Path> response;
        try {
            // The whole body, not only the headers, must arrive within the timeout.
            response = future.get(source.timeout().toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            future.cancel(true);
            throw new SourceException(source.url() + " did not answer completely within " + source.timeout());
        } catch (InterruptedException e) {
            future.cancel(true);
            Thread.currentThread().interrupt();
            throw new SourceException("interrupted while reading " + source.url());
        } catch (ExecutionException e) {
            Throwable cause = e.getCause() == null ? e : e.getCause();
            throw new SourceException(source.url() + " could not be read: " + cause.getClass().getSimpleName()
                    + (cause.getMessage() == null ? "" : ": " + cause.getMessage()));
        }
        if (response.statusCode() / 100 != 2) {
            throw new SourceException(source.url() + " answered HTTP " + response.statusCode());
        }
    }

    /** Reads the whole file once: a JSON array of objects, at most {@code maxRows}. */
    private long check(DataSource source, Path file) {
        long count = 0;
        try (JsonParser parser = mapper.createParser(file.toFile())) {
            if (parser.nextToken() != JsonToken.START_ARRAY) {
                throw new SourceException(source.url() + " did not return a JSON array of rows");
            }
            for (JsonToken t = parser.nextToken(); t != JsonToken.END_ARRAY; t = parser.nextToken()) {
                if (t == null) {
                    throw new SourceException(source.url() + " returned a truncated JSON array after " + count + " row(s)");
                }
                if (t != JsonToken.START_OBJECT) {
                    throw new SourceException(source.url() + ": row " + count + " is not a JSON object");
                }
                parser.skipChildren();
                if (++count > maxRows) {
                    throw new SourceException(source.url() + " returned more than " + maxRows + " rows (GRAPH_MAILER_JOBS_MAX_ROWS)");
                }
            }
            if (parser.nextToken() != null) {
                throw new SourceException(source.url() + " returned data after the JSON array");
            }
        } catch (JsonProcessingException e) {
            throw new SourceException(source.url() + " returned malformed JSON after " + count + " row(s) (line "
                    + e.getLocation().getLineNr() + ", column " + e.getLocation().getColumnNr() + ")");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return count;
    }

    private static void delete(Path file) {
        try {
            Files.deleteIfExists(file);
        } catch (IOException ignored) {
            // a temp file left behind is removed with the instance's temp folder
        }
    }

    private final class FileRowSet implements RowSet {
        private final Path file;
        private final long count;

        FileRowSet(Path file, long count) {
            this.file = file;
            this.count = count;
        }

        @Override
        public long count() {
            return count;
        }

        @Override
        public Iterator<Map<String, Object>> iterator() {
            JsonParser parser;
            try {
                parser = mapper.createParser(file.toFile());
                parser.nextToken(); // START_ARRAY, checked when opened
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            return new Iterator<>() {
                JsonToken next = advance();

                private JsonToken advance() {
                    try {
                        JsonToken t = parser.nextToken();
                        if (t != JsonToken.START_OBJECT) {
                            parser.close();
                        }
                        return t;
                    } catch (IOException e) {
                        throw new UncheckedIOException(e);
                    }
                }

                @Override
                public boolean hasNext() {
                    return next == JsonToken.START_OBJECT;
                }

                @Override
                public Map<String, Object> next() {
                    if (!hasNext()) {
                        throw new NoSuchElementException();
                    }
                    try {
                        Map<String, Object> row = parser.readValueAs(ROW);
                        next = advance();
                        return row;
                    } catch (IOException e) {
                        throw new UncheckedIOException(e);
                    }
                }
            };
        }

        @Override
        public void close() {
            delete(file);
        }
    }
}
