package io.graphmailer.adapter.out.graph;

import com.fasterxml.jackson.databind.JsonNode;
import io.graphmailer.application.port.out.InboxReports;
import io.graphmailer.domain.Mailbox;
import io.graphmailer.domain.MailTransportException;
import io.graphmailer.domain.MailTransportException.Kind;
import jakarta.enterprise.inject.Typed;
import jakarta.inject.Inject;
import jakarta.inject.Singleton;
import okhttp3.HttpUrl;

import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

/**
 * A mailbox's Inbox through Graph, for bounces:
 * {@code GET /v1.0/users/{m}/mailFolders/inbox/messages?$filter=receivedDateTime ge <t>&$orderby=receivedDateTime&$select=receivedDateTime,body},
 * following {@code @odata.nextLink}. Needs the Graph application permission Mail.Read for the mailbox (Mail.ReadBasic
 * hides the body).
 */
@Singleton
@Typed(GraphInboxReports.class) // built only when bounces are on (DeliveryLogBeans)
public final class GraphInboxReports implements InboxReports {
    static final int PAGE = 50;

    private final GraphClient graph;

    @Inject
    GraphInboxReports(GraphClient graph) {
        this.graph = graph;
    }

    @Override
    public List<InboxMessage> receivedSince(Mailbox mailbox, Instant since, int max) {
        String url = HttpUrl.get(graph.baseUrl()).newBuilder()
                .addPathSegments("v1.0/users").addPathSegment(mailbox.id())
                .addPathSegments("mailFolders/inbox/messages")
                .addQueryParameter("$filter", "receivedDateTime ge " + since.truncatedTo(ChronoUnit.SECONDS))
                .addQueryParameter("$orderby", "receivedDateTime")
                .addQueryParameter("$select", "receivedDateTime,body")
                .addQueryParameter("$top", Integer.toString(PAGE))
                .build().toString();
        List<InboxMessage> out = new ArrayList<>();
        String trackingId = UUID.randomUUID().toString();
        while (url != null && out.size() < max) {
            GraphHttp.Answer answer = graph.call("GET", url, (byte[]) null, trackingId);
            if (answer.status() != 200 || answer.json() == null) {
                throw new MailTransportException(answer.status() == 403 ? Kind.CONFIGURATION : Kind.TRANSIENT,
                        answer.code() == null ? "InboxReadFailed" : answer.code(), "Graph answered " + answer.status()
                        + " to reading the Inbox of " + mailbox.id() + (answer.status() == 403
                        ? ": bounces need the Graph application permission Mail.Read for the mailbox" : ""));
            }
            for (JsonNode m : answer.json().path("value")) {
                Instant at;
                try {
                    at = Instant.parse(m.path("receivedDateTime").asText());
                } catch (java.time.format.DateTimeParseException e) {
                    continue;
                }
                out.add(new InboxMessage(at, m.path("body").path("content").asText("")));
            }
            String next = answer.json().path("@odata.nextLink").asText(null);
            url = next != null && next.startsWith(graph.baseUrl()) ? next : null;
        }
        return out.size() > max ? out.subList(0, max) : out;
    }
}
