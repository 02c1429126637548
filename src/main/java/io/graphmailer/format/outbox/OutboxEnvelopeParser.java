package io.graphmailer.format.outbox;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import io.graphmailer.format.graph.SendMailRequestParser;
import io.graphmailer.domain.InvalidMailException;
import io.graphmailer.domain.Mailbox;
import io.graphmailer.domain.QueuedMail;
import io.graphmailer.domain.SendMailCommand;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * The outbox queue's message: {@code {"version":1,"mailbox":"...","sendMail":{...Graph body...},"idempotencyKey":"..."}}.
 * Without an idempotency key, one is derived from the mailbox and the sendMail body, so the same
 * envelope enqueued twice is sent once; give distinct keys to send identical mail twice on purpose.
 */
public final class OutboxEnvelopeParser {
    public static final int SUPPORTED_VERSION = 1;
    /** Azure Storage queue messages are at most 64 KB. */
    public static final int MAX_MESSAGE_BYTES = 64 * 1024;
    private static final int MAX_KEY_LENGTH = 512;

    /** Thrown for a message that can never be sent; {@code code} goes to the dead-letter reason. */
    public static final class Rejected extends RuntimeException {
        private final String code;

        public Rejected(String code, String message) {
            super(message, null, false, false);
            this.code = code;
        }

        public String code() {
            return code;
        }
    }

    private final ObjectMapper mapper = JsonMapper.builder(JsonFactory.builder()
            .streamReadConstraints(StreamReadConstraints.builder().maxNestingDepth(32).build()).build()).build();
    private final SendMailRequestParser sendMailParser;

    public OutboxEnvelopeParser(SendMailRequestParser sendMailParser) {
        this.sendMailParser = sendMailParser;
    }

    public QueuedMail parse(String text) {
        if (text == null || text.isBlank()) {
            throw new Rejected("EmptyMessage", "the queue message is empty");
        }
        if (text.getBytes(StandardCharsets.UTF_8).length > MAX_MESSAGE_BYTES) {
            throw new Rejected("MessageTooLarge", "the queue message is larger than 64 KB; send large attachments by reference");
        }
        JsonNode root;
        try {
            root = mapper.readTree(text);
        } catch (IOException e) {
            throw new Rejected("InvalidJson", "the queue message is not JSON (or is nested too deeply)");
        }
        if (root == null || !root.isObject()) {
            throw new Rejected("InvalidEnvelope", "the queue message must be a JSON object {\"version\":1,\"mailbox\":...,\"sendMail\":...}");
        }
        JsonNode version = root.get("version");
        if (version == null || !version.canConvertToInt() || version.asInt() != SUPPORTED_VERSION) {
            throw new Rejected("UnsupportedVersion", "envelope version " + (version == null ? "(missing)" : version.toString())
                    + " is not supported; this graph-mailer reads version " + SUPPORTED_VERSION);
        }
        JsonNode mailboxNode = root.get("mailbox");
        if (mailboxNode == null || !mailboxNode.isTextual()) {
            throw new Rejected("InvalidEnvelope", "mailbox is required (the sending mailbox's address or object id)");
        }
        JsonNode sendMail = root.get("sendMail");
        if (sendMail == null || !sendMail.isObject()) {
            throw new Rejected("InvalidEnvelope", "sendMail is required: the same body as Graph's sendMail");
        }
        String givenKey = null;
        JsonNode keyNode = root.get("idempotencyKey");
        if (keyNode != null && !keyNode.isNull()) {
            if (!keyNode.isTextual() || keyNode.asText().isBlank() || keyNode.asText().length() > MAX_KEY_LENGTH) {
                throw new Rejected("InvalidEnvelope", "idempotencyKey must be a non-empty string of at most " + MAX_KEY_LENGTH + " characters");
            }
            givenKey = keyNode.asText();
        }
        JsonNode attemptNode = root.path(OutboxEnvelopeWriter.BOOKKEEPING).path("attempt");
        int attempt = attemptNode.canConvertToInt() ? Math.max(0, attemptNode.asInt()) : 0;
        String producers = OutboxEnvelopeWriter.producersEnvelope((com.fasterxml.jackson.databind.node.ObjectNode) root);
        String original = producers == null ? text : producers;
        try {
            Mailbox mailbox = new Mailbox(mailboxNode.asText().trim());
            SendMailCommand command = sendMailParser.parse(mailbox, sendMail);
            // Derived from the mailbox's canonical key, so two spellings of one mailbox (case, IDN) give one key.
            String key = givenKey != null ? givenKey : derivedKey(mailbox.key(), sendMail);
            return new QueuedMail(command, key, attempt, original);
        } catch (InvalidMailException e) {
            throw new Rejected("InvalidMessage", e.violations().stream()
                    .map(v -> ("mailbox".equals(v.field()) ? "" : "sendMail.") + v.field() + " " + v.message())
                    .reduce((a, b) -> a + "; " + b).orElse("invalid message"));
        }
    }

    static String derivedKey(String mailbox, JsonNode sendMail) {
        try {
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            sha.update(mailbox.getBytes(StandardCharsets.UTF_8));
            sha.update((byte) '\n');
            sha.update(sendMail.toString().getBytes(StandardCharsets.UTF_8));
            return "sha256:" + HexFormat.of().formatHex(sha.digest());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
