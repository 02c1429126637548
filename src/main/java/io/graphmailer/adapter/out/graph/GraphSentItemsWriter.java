package io.graphmailer.adapter.out.graph;

import io.graphmailer.domain.EmailMessage;
import io.graphmailer.domain.Mailbox;
import io.graphmailer.format.graph.GraphRequestBody;
import jakarta.inject.Inject;
import jakarta.inject.Singleton;

/**
 * Saves a copy of a message sent by another transport (SMTP) in the mailbox's Sent Items:
 * {@code POST /users/{id}/mailFolders/sentitems/messages}. Needs the Graph application permission
 * {@code Mail.ReadWrite} (scoped to the mailbox like Mail.Send). The wiring hands {@link #save} to SMTP as its Sent Items
 * copy: the Graph adapter knows no SMTP type.
 */
@Singleton
public final class GraphSentItemsWriter {
    private final GraphClient graph;

    @Inject
    GraphSentItemsWriter(GraphClient graph) {
        this.graph = graph;
    }

    /** @throws IllegalStateException naming Graph's answer when the copy was not created */
    public void save(Mailbox mailbox, EmailMessage message, String trackingId) {
        GraphHttp.Answer answer = graph.call("POST", graph.user(mailbox) + "/mailFolders/sentitems/messages",
                GraphRequestBody.sentItemsCopy(message), trackingId);
        if (answer.status() != 201) {
            String hint = answer.status() == 403 ? ": the app needs the Mail.ReadWrite application permission for this mailbox" : "";
            throw new IllegalStateException("Graph answered " + answer.status() + " to the Sent Items copy" + hint);
        }
    }

    GraphClient graph() {
        return graph;
    }
}
