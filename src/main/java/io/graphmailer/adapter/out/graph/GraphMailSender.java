package io.graphmailer.adapter.out.graph;

import io.graphmailer.format.graph.GraphRequestBody;
import io.graphmailer.format.graph.TrackingMessageId;

import io.graphmailer.adapter.out.mime.MimeMessageFactory;
import io.graphmailer.application.port.out.AttachmentContentSource;
import io.graphmailer.application.port.out.MailTransport;
import io.graphmailer.domain.Attachment;
import io.graphmailer.domain.EmailMessage;
import io.graphmailer.domain.MimeContent;
import io.graphmailer.domain.SendMailCommand;
import io.graphmailer.config.GraphMailerConfig;
import jakarta.enterprise.inject.Typed;
import jakarta.inject.Inject;
import jakarta.inject.Singleton;
import okhttp3.MediaType;
import okhttp3.RequestBody;
import org.jboss.logging.Logger;

import java.util.Base64;

/**
 * Sends through Microsoft Graph app-only {@code POST /users/{mailbox}/sendMail}, over graph-core's
 * HTTP pipeline (telemetry, retry middleware). Only 429 is retried in-request, and only while the
 * service's Retry-After stays within a bound: sendMail has no idempotency key, so anything that may
 * already have been accepted (5xx, timeouts) is reported, never silently repeated.
 */
@Singleton
@Typed(GraphMailSender.class) // the transport producer chooses it by graph-mailer.transport
public final class GraphMailSender implements MailTransport {
    public static final String GRAPH_SCOPE = GraphClient.GRAPH_SCOPE;
    private static final Logger LOG = Logger.getLogger(GraphMailSender.class);
    private static final MediaType TEXT = MediaType.get("text/plain");

    /** Default bytes per upload-session PUT: 12 x 320 KiB, under Graph's 4 MB per range. */
    public static final int DEFAULT_UPLOAD_CHUNK_BYTES = 12 * 320 * 1024;

    private final GraphClient graph;
    private final DraftUpload drafts;
    private final MimeMessageFactory mimeFactory = new MimeMessageFactory();

    @Inject
    GraphMailSender(GraphClient graph, AttachmentContentSource attachments, GraphMailerConfig config) {
        this(graph, attachments, config.attachments().uploadChunkBytes());
    }

    GraphMailSender(GraphClient graph) {
        this(graph, AttachmentContentSource.NONE, DEFAULT_UPLOAD_CHUNK_BYTES);
    }

    /**
     * @param attachments where attachments by reference are read from (streamed while uploading)
     * @param uploadChunkBytes bytes per upload-session PUT (a multiple of 320 KiB, at most 4 MiB)
     */
    GraphMailSender(GraphClient graph, AttachmentContentSource attachments, int uploadChunkBytes) {
        this.graph = graph;
        this.drafts = new DraftUpload(graph, attachments, uploadChunkBytes);
    }

    /** The Graph client this sender calls through (for the test that the process has one). */
    GraphClient graph() {
        return graph;
    }

    @Override
    public String name() {
        return "graph";
    }

    @Override
    public void send(SendMailCommand command, String trackingId) {
        deliver(command, trackingId);
    }

    /** The receipt carries Graph's request-id of the call that sent the message (sendMail, or the draft's send). */
    @Override
    public io.graphmailer.domain.SendReceipt deliver(SendMailCommand command, String trackingId) {
        if (command.content() instanceof EmailMessage m && m.attachments().stream().anyMatch(Attachment::isReference)) {
            if (graph.isDelegated(command.mailbox())) {
                // The draft path needs Mail.ReadWrite, which a delegated sign-in does not ask for: refused before any call.
                throw new io.graphmailer.domain.MailTransportException(io.graphmailer.domain.MailTransportException.Kind.REJECTED,
                        "DelegatedAttachmentByReference", "delegated mailbox " + command.mailbox() + ": attachments by reference"
                        + " (large files uploaded through a draft) are sent only from app-only mailboxes, since a draft needs"
                        + " Mail.ReadWrite, which the delegated sign-in does not ask for; attach the file inline (up to 3 MB)"
                        + " or send it from an app-only mailbox", null, null);
            }
            // Large files: a draft, an upload session per large attachment, then the draft's send (needs Mail.ReadWrite).
            String requestId = drafts.send(command.mailbox(), m, command.saveToSentItems(), trackingId);
            LOG.infof("graph: message %s from %s accepted (draft with uploaded attachments)", trackingId, command.mailbox());
            return new io.graphmailer.domain.SendReceipt(trackingId, requestId);
        }
        RequestBody body;
        if (command.content() instanceof EmailMessage m) {
            if (m.hasTextAlternative() && command.saveToSentItems()) {
                // Graph's JSON has room for one body; its MIME form carries text and HTML as multipart/alternative
                // (and always keeps a copy in Sent Items, hence only when that is wanted).
                jakarta.mail.internet.MimeMessage message = mimeFactory.create(command.mailbox(), m, trackingId);
                setMessageId(message, TrackingMessageId.of(command.mailbox(), trackingId));
                byte[] mime = mimeFactory.toBytes(message);
                body = RequestBody.create(Base64.getEncoder().encodeToString(mime), TEXT);
            } else {
                body = RequestBody.create(GraphRequestBody.sendMail(m, command.saveToSentItems(),
                        TrackingMessageId.of(command.mailbox(), trackingId)), GraphClient.JSON);
            }
        } else {
            body = RequestBody.create(Base64.getEncoder().encodeToString(((MimeContent) command.content()).mime()), TEXT);
        }
        GraphHttp.Answer outcome = graph.callAs(command.mailbox(), "POST", graph.sendMailUrl(command.mailbox()), body, trackingId);
        if (outcome.status() == 202) {
            LOG.infof("graph: message %s from %s accepted", trackingId, command.mailbox());
            return new io.graphmailer.domain.SendReceipt(trackingId, outcome.requestId());
        }
        throw graph.error(outcome, command.mailbox());
    }

    /** The factory has saved the message, so the id set here is the one written (it is not regenerated). */
    private static void setMessageId(jakarta.mail.internet.MimeMessage message, String id) {
        try {
            message.setHeader("Message-ID", id);
        } catch (jakarta.mail.MessagingException e) {
            throw new IllegalStateException(e);
        }
    }
}
