package io.graphmailer.adapter.out.graph;

import io.graphmailer.format.graph.TrackingMessageId;

import io.graphmailer.application.port.out.SentMessageLookup;
import io.graphmailer.domain.Attachment;
import io.graphmailer.domain.EmailMessage;
import io.graphmailer.domain.MailTransportException;
import io.graphmailer.domain.MailTransportException.Kind;
import io.graphmailer.domain.SendMailCommand;
import okhttp3.HttpUrl;
import jakarta.enterprise.inject.Typed;
import jakarta.inject.Inject;
import jakarta.inject.Singleton;

import java.util.List;

/**
 * Looks for a message graph-mailer sent by its Internet message id ({@link TrackingMessageId}):
 * {@code GET /v1.0/users/{m}/mailFolders/sentitems/messages?$filter=internetMessageId eq '<id>'&$select=id}, and for
 * the draft path also in {@code drafts} (a draft still there was not submitted). Needs the Graph application permission
 * Mail.ReadBasic (or any Mail.Read*), scoped to the mailbox like Mail.Send.
 */
@Singleton
@Typed(GraphSentMessageLookup.class) // the SentMessageLookup producer decides when a lookup can help
public final class GraphSentMessageLookup implements SentMessageLookup {
    /** The least Graph application permission that can read and filter on internetMessageId. */
    public static final String READ_ROLE = "Mail.ReadBasic";

    private final GraphClient graph;

    @Inject
    GraphSentMessageLookup(GraphClient graph) {
        this.graph = graph;
    }

    GraphClient graph() {
        return graph;
    }

    @Override
    public Result find(SendMailCommand command, String trackingId) {
        if (!(command.content() instanceof EmailMessage m)) {
            return new Result(Found.CANNOT_LOOK, "the MIME form is sent unchanged, so it carries no message id graph-mailer chose");
        }
        if (!command.saveToSentItems()) {
            return new Result(Found.CANNOT_LOOK, "saveToSentItems is false, so Sent Items keeps no copy to look for");
        }
        String id = TrackingMessageId.of(command.mailbox(), trackingId);
        Result sent = search(command, "sentitems", id, trackingId);
        if (sent.found() != Found.ABSENT) {
            return sent;
        }
        if (m.attachments().stream().anyMatch(Attachment::isReference)) {
            Result draft = search(command, "drafts", id, trackingId);
            if (draft.found() == Found.CANNOT_LOOK) {
                return draft;
            }
            if (draft.found() == Found.FOUND) {
                // Exchange moves a submitted draft out of Drafts; one still there was not sent.
                return new Result(Found.ABSENT, "not in sentitems; its draft " + id + " is still in drafts, not submitted");
            }
        }
        return sent;
    }

    private Result search(SendMailCommand command, String folder, String id, String trackingId) {
        HttpUrl url = HttpUrl.get(graph.baseUrl()).newBuilder()
                .addPathSegments("v1.0/users").addPathSegment(command.mailbox().id())
                .addPathSegments("mailFolders/" + folder + "/messages")
                // OData string literal: a quote inside is doubled (the ids graph-mailer makes have none).
                .addQueryParameter("$filter", "internetMessageId eq '" + id.replace("'", "''") + "'")
                .addQueryParameter("$select", "id")
                .build();
        GraphHttp.Answer answer = get(url, trackingId);
        String graph = "Graph answered " + answer.status() + (answer.code() == null ? "" : " " + answer.code());
        if (answer.status() == 200) {
            boolean found = answer.json() != null && answer.json().path("value").isArray() && !answer.json().path("value").isEmpty();
            return new Result(found ? Found.FOUND : Found.ABSENT, (found ? "found in " : "not in ") + folder + " by internetMessageId " + id);
        }
        if (answer.status() == 403) {
            return new Result(Found.CANNOT_LOOK, graph + " to a search of " + folder + ": the app needs the Graph application permission "
                    + READ_ROLE + " for " + command.mailbox().id() + " (with Exchange RBAC for Applications, 'Application " + READ_ROLE + "')");
        }
        if (answer.status() == 429 || answer.status() >= 500) {
            throw new MailTransportException(Kind.TRANSIENT, answer.code() == null ? "SentItemsLookupFailed" : answer.code(), graph
                    + " to a search of " + folder + " for " + id + "; will look again later",
                    answer.retryAfterSeconds() == null ? null : java.time.Duration.ofSeconds(answer.retryAfterSeconds()), null);
        }
        return new Result(Found.CANNOT_LOOK, graph + (answer.message() == null ? "" : ": " + answer.message()) + " to a search of " + folder);
    }

    private GraphHttp.Answer get(HttpUrl url, String trackingId) {
        try {
            return graph.call("GET", url.toString(), (byte[]) null, trackingId);
        } catch (MailTransportException e) {
            // A search sends nothing: a lost answer only means "look again later".
            throw new MailTransportException(Kind.TRANSIENT, e.code(), "the search of Sent Items failed: " + e.getMessage(), null, e);
        }
    }

    /** For the doctor and logs: what this lookup needs. */
    public static List<String> roles() {
        return List.of(READ_ROLE);
    }
}
