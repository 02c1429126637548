package io.graphmailer.adapter.out.graph;

import io.graphmailer.format.graph.GraphRequestBody;

import com.microsoft.kiota.http.ObservabilityOptions;
import io.graphmailer.adapter.out.identity.AccessTokenProvider;
import io.graphmailer.domain.EmailMessage;
import io.graphmailer.domain.Mailbox;
import io.opentelemetry.api.trace.Span;
import okhttp3.MediaType;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.RequestBody;
import okhttp3.Response;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;

/**
 * Saves a copy of a message sent by another transport (SMTP) in the mailbox's Sent Items:
 * {@code POST /users/{id}/mailFolders/sentitems/messages}. Needs the Graph application permission
 * {@code Mail.ReadWrite} (scoped to the mailbox like Mail.Send).
 */
public final class GraphSentItemsWriter {
    private static final MediaType JSON = MediaType.get("application/json");
    private static final ObservabilityOptions OBSERVABILITY = new ObservabilityOptions();

    private final OkHttpClient http;
    private final String baseUrl;
    private final AccessTokenProvider tokens;

    public GraphSentItemsWriter(OkHttpClient http, String baseUrl, AccessTokenProvider tokens) {
        this.http = http;
        this.baseUrl = baseUrl.endsWith("/") ? baseUrl.substring(0, baseUrl.length() - 1) : baseUrl;
        this.tokens = tokens;
    }

    /** @throws IllegalStateException naming Graph's answer when the copy was not created */
    public void save(Mailbox mailbox, EmailMessage message, String trackingId) {
        String url = baseUrl + "/v1.0/users/" + URLEncoder.encode(mailbox.id(), StandardCharsets.UTF_8) + "/mailFolders/sentitems/messages";
        Request request = new Request.Builder().url(url)
                .post(RequestBody.create(GraphRequestBody.sentItemsCopy(message), JSON))
                .header("Authorization", "Bearer " + tokens.token(GraphMailSender.GRAPH_SCOPE).value())
                .header("client-request-id", trackingId)
                .tag(ObservabilityOptions.class, OBSERVABILITY)
                .tag(Span.class, Span.getInvalid())
                .build();
        try (Response response = http.newCall(request).execute()) {
            if (response.code() != 201) {
                String hint = response.code() == 403 ? ": the app needs the Mail.ReadWrite application permission for this mailbox" : "";
                throw new IllegalStateException("Graph answered " + response.code() + " to the Sent Items copy" + hint);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("Graph could not be reached for the Sent Items copy", e);
        }
    }
}
