package io.graphmailer.adapter.out.graph;

import io.graphmailer.format.graph.GraphRequestBody;
import io.graphmailer.format.graph.TrackingMessageId;

import io.graphmailer.adapter.out.graph.GraphHttp.Answer;
import io.graphmailer.application.port.out.AttachmentContentSource;
import io.graphmailer.domain.Attachment;
import io.graphmailer.domain.EmailMessage;
import io.graphmailer.domain.MailLimits;
import io.graphmailer.domain.MailTransportException;
import io.graphmailer.domain.MailTransportException.Kind;
import io.graphmailer.domain.Mailbox;
import okhttp3.MediaType;
import okhttp3.Request;
import okhttp3.RequestBody;
import org.jboss.logging.Logger;

import java.io.IOException;
import java.io.InputStream;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;

/**
 * Graph's path for large attachments: {@code POST /users/{id}/messages} (a draft with the small attachments), per
 * attachment by reference either {@code POST .../attachments} (under 3 MB) or {@code createUploadSession} and
 * {@code PUT}s of byte ranges to the pre-authenticated upload URL (no {@code Authorization} header), then
 * {@code POST .../messages/{draft}/send}. Content is streamed from the blob one range at a time: at most one range
 * ({@code chunkBytes}) of a file is held in memory. Needs the Graph application permission {@code Mail.ReadWrite}.
 *
 * <p>Nothing is sent before the final {@code send}: a failure before it is never "outcome unknown", and the draft is
 * deleted (best effort). A timeout or 5xx of the send itself leaves the outcome unknown and the draft in place.
 */
final class DraftUpload {
    private static final Logger LOG = Logger.getLogger(DraftUpload.class);
    private static final MediaType OCTETS = MediaType.get("application/octet-stream");

    private final GraphClient graph;
    private final AttachmentContentSource attachments;
    private final int chunkBytes;

    DraftUpload(GraphClient graph, AttachmentContentSource attachments, int chunkBytes) {
        this.graph = graph;
        this.attachments = attachments;
        this.chunkBytes = chunkBytes;
    }


    /** @return Graph's request-id of the draft's send */
    String send(Mailbox mailbox, EmailMessage m, boolean saveToSentItems, String trackingId) {
        String user = graph.user(mailbox);
        Answer draft;
        try {
            draft = graph.call("POST", user + "/messages", GraphRequestBody.draft(m, saveToSentItems, TrackingMessageId.of(mailbox, trackingId)),
                    trackingId);
        } catch (MailTransportException e) {
            throw nothingSent(e, "creating the draft");
        }
        if (draft.status() == 403) {
            throw new MailTransportException(Kind.CONFIGURATION, "MailReadWriteMissing", "Graph answered 403"
                    + (draft.code() == null ? "" : " " + draft.code()) + " to creating a draft in " + mailbox.id() + ". Messages with"
                    + " attachments by reference are sent as a draft with upload sessions, which needs the Graph application"
                    + " permission Mail.ReadWrite (admin consent; with Exchange RBAC for Applications, 'Application Mail.ReadWrite'"
                    + " scoped to the same mailboxes as Mail.Send). Identity/email team: grant it, or send such files inline under 3 MB");
        }
        if (draft.status() != 201) {
            throw beforeSend(draft, "creating the draft", mailbox);
        }
        String draftId = draft.json() == null ? null : draft.json().path("id").asText(null);
        if (draftId == null || draftId.isBlank()) {
            throw new MailTransportException(Kind.TRANSIENT, "GraphDraftWithoutId", "Graph created a draft but returned no id; nothing was sent");
        }
        String messageUrl = user + "/messages/" + URLEncoder.encode(draftId, StandardCharsets.UTF_8);
        boolean sendAttempted = false;
        try {
            for (Attachment a : m.attachments()) {
                if (a.isReference()) {
                    attach(messageUrl, a, trackingId, mailbox);
                }
            }
            sendAttempted = true;
            Answer sent = graph.call("POST", messageUrl + "/send", new byte[0], trackingId);
            if (sent.status() != 202) {
                if (sent.status() >= 500 && sent.status() != 503) {
                    throw graph.error(sent, mailbox);
                }
                sendAttempted = false; // refused: the draft was not sent
                throw beforeSend(sent, "sending the draft", mailbox);
            }
            return sent.requestId();
        } catch (MailTransportException e) {
            if (sendAttempted && e.kind() == Kind.OUTCOME_UNKNOWN) {
                LOG.warnf("graph: the send of the draft of %s had an unknown outcome; the draft is kept", trackingId);
                throw e;
            }
            deleteDraft(messageUrl, trackingId);
            throw nothingSent(e, "adding the attachments");
        }
    }

    /** Attaches one attachment by reference to the draft: a single POST under 3 MB, else an upload session. */
    private void attach(String messageUrl, Attachment a, String trackingId, Mailbox mailbox) {
        long size = a.size();
        if (size < 0) {
            throw new IllegalStateException("the size of attachment " + a.name() + " was not resolved before sending");
        }
        if (size < MailLimits.GRAPH_INLINE_ATTACHMENT_BYTES) {
            byte[] content;
            try (InputStream in = attachments.open(a.reference())) {
                content = in.readNBytes((int) size + 1);
            } catch (IOException e) {
                throw storageFailed(a, e);
            }
            if (content.length != size) {
                throw changed(a);
            }
            Answer added = graph.call("POST", messageUrl + "/attachments", GraphRequestBody.fileAttachment(a, content), trackingId);
            if (added.status() != 201) {
                throw beforeSend(added, "adding attachment " + a.name(), mailbox);
            }
            return;
        }
        Answer session = graph.call("POST", messageUrl + "/attachments/createUploadSession", GraphRequestBody.uploadSession(a), trackingId);
        if (session.status() != 201 || session.json() == null || session.json().path("uploadUrl").asText("").isEmpty()) {
            if (session.status() == 403) {
                throw new MailTransportException(Kind.CONFIGURATION, "MailReadWriteMissing", "Graph answered 403 to createUploadSession: "
                        + "the app needs the Graph application permission Mail.ReadWrite for " + mailbox.id());
            }
            throw beforeSend(session, "creating the upload session for " + a.name(), mailbox);
        }
        upload(session.json().path("uploadUrl").asText(), a, trackingId);
    }

    /** Streams the blob to the upload URL in ranges of {@code chunkBytes}, in order, reusing one buffer. */
    private void upload(String uploadUrl, Attachment a, String trackingId) {
        long size = a.size();
        byte[] buffer = new byte[(int) Math.min(chunkBytes, size)];
        long offset = 0;
        try (InputStream in = attachments.open(a.reference())) {
            while (offset < size) {
                int length = in.readNBytes(buffer, 0, (int) Math.min(buffer.length, size - offset));
                if (length <= 0) {
                    throw changed(a);
                }
                Request request = GraphHttp.preAuthenticated("PUT", uploadUrl, RequestBody.create(buffer, OCTETS, 0, length), trackingId)
                        .header("Content-Range", "bytes " + offset + "-" + (offset + length - 1) + "/" + size)
                        .build();
                Answer answer = graph.execute(request, trackingId);
                boolean last = offset + length == size;
                if (!(answer.status() == 200 || answer.status() == 202 || (last && answer.status() == 201))) {
                    throw uploadFailed(answer, a, offset);
                }
                offset += length;
            }
        } catch (IOException e) {
            throw storageFailed(a, e);
        }
    }

    private void deleteDraft(String messageUrl, String trackingId) {
        try {
            Answer deleted = graph.call("DELETE", messageUrl, (byte[]) null, trackingId);
            if (deleted.status() != 204 && deleted.status() != 404) {
                LOG.warnf("graph: could not delete the unsent draft of %s (Graph answered %d)", trackingId, deleted.status());
            }
        } catch (RuntimeException e) {
            LOG.warnf("graph: could not delete the unsent draft of %s (%s)", trackingId, e.getClass().getSimpleName());
        }
    }

    /** Before the draft's send nothing can have been sent: a lost answer is a transient failure, not an unknown outcome. */
    private static MailTransportException nothingSent(MailTransportException e, String step) {
        if (e.kind() != Kind.OUTCOME_UNKNOWN) {
            return e;
        }
        return new MailTransportException(Kind.TRANSIENT, e.code(), e.getMessage() + " while " + step + "; nothing was sent",
                e.retryAfter(), e);
    }

    private MailTransportException beforeSend(Answer answer, String step, Mailbox mailbox) {
        MailTransportException e = graph.error(answer, mailbox);
        if (e.kind() == Kind.OUTCOME_UNKNOWN) {
            // Nothing is sent before the draft's send: a failure before it is safe to retry.
            return new MailTransportException(Kind.TRANSIENT, e.code(), e.getMessage().replace("the message may or may not have been sent",
                    "nothing was sent") + " (while " + step + ")", e.retryAfter(), e);
        }
        return new MailTransportException(e.kind(), e.code(), e.getMessage() + " (while " + step + "; nothing was sent)", e.retryAfter(), e);
    }

    private static MailTransportException uploadFailed(Answer answer, Attachment a, long offset) {
        String graph = "the upload of attachment " + a.name() + " failed at byte " + offset + " of " + a.size() + ": Graph answered "
                + answer.status() + (answer.code() == null ? "" : " " + answer.code()) + (answer.message() == null ? "" : ": " + answer.message())
                + "; nothing was sent";
        if (answer.status() == 429 || answer.status() >= 500 || answer.status() == 404) {
            // 404: the upload session expired or vanished; a new attempt gets a new one.
            return new MailTransportException(Kind.TRANSIENT, answer.code() == null ? "UploadFailed" : answer.code(), graph,
                    answer.retryAfterSeconds() == null ? null : java.time.Duration.ofSeconds(answer.retryAfterSeconds()), null);
        }
        if (answer.status() == 401) {
            return new MailTransportException(Kind.CONFIGURATION, "UploadUnauthorized", graph
                    + ". The upload URL is pre-authenticated: no Authorization header may be sent to it");
        }
        return new MailTransportException(Kind.REJECTED, answer.code() == null ? "UploadRejected" : answer.code(), graph);
    }

    private static MailTransportException changed(Attachment a) {
        return new MailTransportException(Kind.REJECTED, "AttachmentChanged", "the blob of attachment " + a.name()
                + " is shorter than the " + a.size() + " bytes it had when the message was accepted; nothing was sent");
    }

    private static MailTransportException storageFailed(Attachment a, IOException e) {
        return new MailTransportException(Kind.TRANSIENT, "AttachmentReadFailed", "the blob of attachment " + a.name()
                + " could not be read (" + e.getClass().getSimpleName() + "); nothing was sent", null, e);
    }
}
