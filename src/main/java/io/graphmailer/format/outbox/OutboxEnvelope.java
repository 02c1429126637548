package io.graphmailer.format.outbox;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.graphmailer.domain.EmailMessage;
import io.graphmailer.domain.InvalidMailException;
import io.graphmailer.domain.Mailbox;
import io.graphmailer.domain.QueuedMail;
import io.graphmailer.domain.SendMailCommand;
import io.graphmailer.domain.delivery.Origin;
import io.graphmailer.domain.delivery.Trigger;
import io.graphmailer.format.graph.GraphJson;
import io.graphmailer.format.graph.GraphRequestBody;
import io.graphmailer.format.graph.SendMailRequestParser;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * The outbox queue's message: {@code {"version":1,"mailbox":"...","sendMail":{...Graph body...},"idempotencyKey":"..."}}.
 * Read by the queue function, written by graph-mailer's own producers (scheduled jobs), and rewritten for the next attempt
 * with graph-mailer's bookkeeping under {@value #BOOKKEEPING} (attempt number, whether the key was derived, since when it
 * waits for a sign-in of a delegated mailbox), so the
 * producer's envelope can be restored exactly for the dead-letter and poison queues.
 * graph-mailer's own producers add {@code "origin":{"trigger":"JOB"|"HTTP","callerApp":"..."}} for the delivery log;
 * it is optional (envelopes without it, e.g. an outside producer's or an older graph-mailer's, are trigger QUEUE) and
 * part of the producer's envelope, so a replay keeps it.
 * Without an idempotency key, one is derived from the mailbox and the sendMail body, so the same envelope enqueued twice
 * is sent once; give distinct keys to send identical mail twice on purpose.
 */
public final class OutboxEnvelope {
    public static final int VERSION = 1;
    /** Azure Storage queue messages are at most 64 KB: the most a message read may have. */
    public static final int MAX_MESSAGE_BYTES = 64 * 1024;
    /** What graph-mailer writes goes base64-encoded (messageEncoding base64), so 64 KB on the queue is 48 KB of envelope. */
    public static final int MAX_WRITTEN_BYTES = 48 * 1024;
    static final String BOOKKEEPING = "graphMailer";
    static final String SIGN_IN_WAIT_SINCE = "signInWaitSince";
    private static final int MAX_KEY_LENGTH = 512;
    private static final ObjectMapper MAPPER = new ObjectMapper();

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

    private final ObjectMapper reader = JsonMapper.builder(JsonFactory.builder()
            .streamReadConstraints(StreamReadConstraints.builder().maxNestingDepth(32).build()).build()).build();
    private final SendMailRequestParser sendMailParser;

    /** @param sendMailParser reads the {@code sendMail} body, with the HTTP API's rules */
    public OutboxEnvelope(SendMailRequestParser sendMailParser) {
        this.sendMailParser = sendMailParser;
    }

    public QueuedMail read(String text) {
        if (text == null || text.isBlank()) {
            throw new Rejected("EmptyMessage", "the queue message is empty");
        }
        if (text.getBytes(StandardCharsets.UTF_8).length > MAX_MESSAGE_BYTES) {
            throw new Rejected("MessageTooLarge", "the queue message is larger than 64 KB; send large attachments by reference");
        }
        JsonNode root;
        try {
            root = reader.readTree(text);
        } catch (IOException e) {
            throw new Rejected("InvalidJson", "the queue message is not JSON (or is nested too deeply)");
        }
        if (root == null || !root.isObject()) {
            throw new Rejected("InvalidEnvelope", "the queue message must be a JSON object {\"version\":1,\"mailbox\":...,\"sendMail\":...}");
        }
        JsonNode version = root.get("version");
        if (version == null || !version.canConvertToInt() || version.asInt() != VERSION) {
            throw new Rejected("UnsupportedVersion", "envelope version " + (version == null ? "(missing)" : version.toString())
                    + " is not supported; this graph-mailer reads version " + VERSION);
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
        JsonNode attemptNode = root.path(BOOKKEEPING).path("attempt");
        int attempt = attemptNode.canConvertToInt() ? Math.max(0, attemptNode.asInt()) : 0;
        String producers = producersEnvelope((ObjectNode) root);
        String original = producers == null ? text : producers;
        try {
            Mailbox mailbox = new Mailbox(mailboxNode.asText().trim());
            SendMailCommand command = sendMailParser.parse(mailbox, sendMail);
            // Derived from the mailbox's canonical key, so two spellings of one mailbox (case, IDN) give one key.
            String key = givenKey != null ? givenKey : derivedKey(mailbox.key(), sendMail);
            JsonNode waited = root.path(BOOKKEEPING).path("waitingFor");
            return new QueuedMail(command, key, attempt, original, origin(root.get("origin"), key),
                    waited.isTextual() ? waited.asText() : null, signInWaitSince(root));
        } catch (InvalidMailException e) {
            throw new Rejected("InvalidMessage", e.violations().stream()
                    .map(v -> ("mailbox".equals(v.field()) ? "" : "sendMail.") + v.field() + " " + v.message())
                    .reduce((a, b) -> a + "; " + b).orElse("invalid message"));
        }
    }

    /** The envelope's origin; anything unreadable there counts as an outside producer's (it never makes a message unsendable). */
    static Origin origin(JsonNode node, String key) {
        if (node == null || !node.isObject()) {
            return Origin.queue(key);
        }
        Trigger trigger;
        try {
            trigger = Trigger.valueOf(node.path("trigger").asText(""));
        } catch (IllegalArgumentException e) {
            return Origin.queue(key);
        }
        JsonNode app = node.get("callerApp");
        String callerApp = app != null && app.isTextual() && app.asText().length() <= 256 ? app.asText() : null;
        return new Origin(trigger, callerApp, key);
    }

    /** The envelope of a Graph JSON message with its idempotency key; the text alternative travels as graph-mailer's annotation. */
    public static String write(SendMailCommand command, String idempotencyKey) {
        return write(command, idempotencyKey, null);
    }

    /** The same, naming the message's origin (trigger and caller app) for the queued send's delivery record. */
    public static String write(SendMailCommand command, String idempotencyKey, Origin origin) {
        if (!(command.content() instanceof EmailMessage message)) {
            throw new IllegalArgumentException("an outbox envelope carries Graph JSON messages only");
        }
        try {
            ObjectNode root = MAPPER.createObjectNode();
            root.put("version", VERSION);
            root.put("mailbox", command.mailbox().id());
            ObjectNode sendMail = (ObjectNode) MAPPER.readTree(GraphRequestBody.sendMail(message, command.saveToSentItems()));
            if (message.hasTextAlternative()) {
                ((ObjectNode) sendMail.get("message")).put(GraphJson.TEXT_ALTERNATIVE, message.textAlternative());
            }
            root.set("sendMail", sendMail);
            root.put("idempotencyKey", idempotencyKey);
            if (origin != null && origin.trigger() != Trigger.QUEUE) {
                ObjectNode o = root.putObject("origin");
                o.put("trigger", origin.trigger().name());
                if (origin.callerApp() != null) {
                    o.put("callerApp", origin.callerApp());
                }
            }
            return root.toString();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Refuses an envelope too large to write as one queue message. */
    public static void requireWritable(String envelope) {
        int bytes = envelope.getBytes(StandardCharsets.UTF_8).length;
        if (bytes > MAX_WRITTEN_BYTES) {
            throw new IllegalArgumentException("the message is " + bytes + " bytes as an outbox envelope; a queue message takes at most "
                    + MAX_WRITTEN_BYTES + " (64 KB base64-encoded): make the attachments or the body smaller");
        }
    }

    /** When the message first waited for a sign-in (bookkeeping), or null; an unreadable value counts as none. */
    private static java.time.Instant signInWaitSince(JsonNode root) {
        JsonNode since = root.path(BOOKKEEPING).path(SIGN_IN_WAIT_SINCE);
        if (!since.isTextual()) {
            return null;
        }
        try {
            return java.time.Instant.parse(since.asText());
        } catch (java.time.format.DateTimeParseException e) {
            return null;
        }
    }

    /** The envelope for attempt {@code attempt}: the key is pinned so the next attempt is recognised in the ledger. */
    public static String nextAttempt(String original, String idempotencyKey, int attempt) {
        return write(original, idempotencyKey, attempt, null, null);
    }

    /** As {@link #nextAttempt(String, String, int)}, noting the budget limit the message waits for (null: none). */
    public static String nextAttempt(String original, String idempotencyKey, int attempt, String waitingFor) {
        return write(original, idempotencyKey, attempt, waitingFor, null);
    }

    /**
     * The envelope for attempt {@code attempt} of a message that has waited for a sign-in of its mailbox since
     * {@code signInWaitSince} (null: it does not wait).
     */
    public static String nextAttempt(String original, String idempotencyKey, int attempt, java.time.Instant signInWaitSince) {
        return write(original, idempotencyKey, attempt, null, signInWaitSince);
    }

    private static String write(String original, String idempotencyKey, int attempt, String waitingFor,
                                java.time.Instant signInWaitSince) {
        try {
            ObjectNode node = (ObjectNode) MAPPER.readTree(original);
            boolean derived = !node.hasNonNull("idempotencyKey");
            node.put("idempotencyKey", idempotencyKey);
            ObjectNode bookkeeping = node.putObject(BOOKKEEPING);
            bookkeeping.put("attempt", attempt);
            bookkeeping.put("derivedKey", derived);
            if (waitingFor != null) {
                bookkeeping.put("waitingFor", waitingFor);
            }
            if (signInWaitSince != null) {
                bookkeeping.put(SIGN_IN_WAIT_SINCE, signInWaitSince.toString());
            }
            return node.toString();
        } catch (IOException | ClassCastException e) {
            throw new IllegalArgumentException("not an outbox envelope", e);
        }
    }

    /** Which mailbox an envelope is for and its idempotency key (given, or derived as {@link #read} derives it). */
    public record Identity(String mailbox, String idempotencyKey) {
    }

    /** The identity of a kept envelope, or empty when the text is not an envelope naming a valid mailbox. */
    public static java.util.Optional<Identity> identify(String text) {
        try {
            JsonNode root = MAPPER.readTree(text);
            if (root == null || !root.path("mailbox").isTextual()) {
                return java.util.Optional.empty();
            }
            Mailbox mailbox = new Mailbox(root.path("mailbox").asText().trim());
            JsonNode key = root.get("idempotencyKey");
            if (key != null && key.isTextual() && !key.asText().isBlank()) {
                return java.util.Optional.of(new Identity(mailbox.id(), key.asText()));
            }
            JsonNode sendMail = root.get("sendMail");
            return sendMail == null || !sendMail.isObject() ? java.util.Optional.of(new Identity(mailbox.id(), null))
                    : java.util.Optional.of(new Identity(mailbox.id(), derivedKey(mailbox.key(), sendMail)));
        } catch (IOException | RuntimeException e) {
            return java.util.Optional.empty();
        }
    }

    /** A queue message as the producer wrote it: graph-mailer's bookkeeping removed; the text itself when it has none. */
    public static String producersEnvelopeOf(String text) {
        try {
            JsonNode root = MAPPER.readTree(text);
            String producers = root instanceof ObjectNode o ? producersEnvelope(o) : null;
            return producers == null ? text : producers;
        } catch (IOException | RuntimeException e) {
            return text;
        }
    }

    /** The producer's envelope without graph-mailer's bookkeeping, or null when there is none. */
    static String producersEnvelope(ObjectNode root) {
        if (!root.has(BOOKKEEPING)) {
            return null;
        }
        ObjectNode copy = root.deepCopy();
        ObjectNode bookkeeping = (ObjectNode) copy.remove(BOOKKEEPING);
        if (bookkeeping != null && bookkeeping.path("derivedKey").asBoolean(false)) {
            copy.remove("idempotencyKey");
        }
        return copy.toString();
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
