package io.graphmailer.adapter.out.jobs;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.graphmailer.format.graph.GraphRequestBody;
import io.graphmailer.application.port.out.JobMailQueue;
import io.graphmailer.application.port.out.MailQueue;
import io.graphmailer.domain.EmailMessage;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * Scheduled jobs' mail as outbox envelopes (version 1, with the job's idempotency key) on the outbox
 * queue, where the queue-triggered function sends them like any other queued mail.
 */
public final class EnvelopeJobMailQueue implements JobMailQueue {
    /** A queue message is at most 64 KB after base64 encoding (messageEncoding base64): 48 KB of envelope. */
    public static final int MAX_ENVELOPE_BYTES = 48 * 1024;
    private static final ObjectMapper MAPPER = new ObjectMapper();

    private final MailQueue queue;

    public EnvelopeJobMailQueue(MailQueue queue) {
        this.queue = queue;
    }

    public static String envelope(JobMail mail) {
        if (!(mail.command().content() instanceof EmailMessage message)) {
            throw new IllegalArgumentException("scheduled jobs send Graph JSON messages only");
        }
        try {
            ObjectNode root = MAPPER.createObjectNode();
            root.put("version", 1);
            root.put("mailbox", mail.command().mailbox().id());
            ObjectNode sendMail = (ObjectNode) MAPPER.readTree(GraphRequestBody.sendMail(message, mail.command().saveToSentItems()));
            if (message.hasTextAlternative()) {
                // graph-mailer's annotation for the text alternative (read back by the queue function's parser).
                ((ObjectNode) sendMail.get("message")).put("@graphMailer.textAlternative", message.textAlternative());
            }
            root.set("sendMail", sendMail);
            root.put("idempotencyKey", mail.idempotencyKey());
            return root.toString();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public void check(JobMail mail) {
        int bytes = envelope(mail).getBytes(StandardCharsets.UTF_8).length;
        if (bytes > MAX_ENVELOPE_BYTES) {
            throw new IllegalArgumentException("the message is " + bytes + " bytes as an outbox envelope; a queue message takes at most "
                    + MAX_ENVELOPE_BYTES + " (64 KB base64-encoded): make the attachments or the body smaller");
        }
    }

    @Override
    public void enqueue(List<JobMail> batch) {
        for (JobMail mail : batch) {
            queue.enqueue(envelope(mail));
        }
    }
}
