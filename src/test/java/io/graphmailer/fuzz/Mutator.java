package io.graphmailer.fuzz;

import com.fasterxml.jackson.core.json.JsonWriteFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * Seeded mutations of valid Graph sendMail bodies, in the JSON form and the base64 MIME form. Everything is drawn from
 * the {@link Random} given, so a seed and a request number give the same bytes again.
 */
final class Mutator {
    /** Text an injected header would carry; it must never show up as a recipient of a JSON-form message. */
    static final String INJECTED = "injected@evil.example";

    private static final ObjectMapper PLAIN = JsonMapper.builder().build();
    private static final ObjectMapper ESCAPED = JsonMapper.builder().enable(JsonWriteFeature.ESCAPE_NON_ASCII).build();
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

    private static final String[] CONTENT_TYPES = {"garbage", "multipart/mixed", "multipart/related; boundary=x", "message/rfc822",
            "text/plain; charset", "text/plain;", "text/plain;;", "a/b; c=\"d", "", " ", "text/html\r\n", "text/plain\u0000",
            "application/pdf; name=\"é.pdf\"", "x/y;z=1", "TEXT/PLAIN", "image/png; foo=bar", "/", "text/", "application/octet-stream ",
            "application/" + "x".repeat(300), "text/plain; charset=\"utf-8\"", "text/plain; charset=utf-8; format=flowed",
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document", "text/plain; a=\"\\\"q\\\"\"", "日本/語"};
    private static final String[] HEADER_NAMES = {"x-", "X-A", "x-é", "x-a:b", "x-a b", "x-" + "n".repeat(990), "x-" + "n".repeat(120),
            "Bcc", "x-a\r\nBcc", "x-\u0000", "X-Mailer", "x-tab\t", "x-" + "h".repeat(60), ""};
    private static final String[] ENUMS = {"text", "html", "HTML", "Text", "markdown", "", " html", "html\r\n", "low", "normal", "high",
            "HIGH", "urgent", "\u0000", "html\t", "highé"};
    private static final String[] ODATA = {"#microsoft.graph.fileAttachment", "microsoft.graph.fileAttachment",
            "#microsoft.graph.itemAttachment", "#microsoft.graph.referenceAttachment", "#MICROSOFT.GRAPH.FILEATTACHMENT", "",
            "#microsoft.graph.fileAttachment\r\n", " #microsoft.graph.fileAttachment"};
    private static final String[] CONTROLS = {"\r\n", "\n", "\r", "\t", "\u0000", "\u0007", "\u001b", "\u007f", "\u0085", "\u009f",
            "\r\nBcc: " + INJECTED, "\nBcc: " + INJECTED, "\r\n\r\n--boundary\r\nBcc: " + INJECTED};
    private static final String[] UNICODE = {"é", "日本語", "😀", "\u202e", "\u0301", "\ufeff", "\u2028", "\u2029", "\ud800", "\udc00",
            "\ud83d", "\u00a0", "\uffff", "\ufffd", "=?UTF-8?B?wK8=?=", "=?utf-8?Q?a=0D=0Ab?=", "K\u212a", "ß"};
    private static final byte[][] BAD_UTF8 = {{(byte) 0xc0, (byte) 0xaf}, {(byte) 0xe0, (byte) 0x80, (byte) 0xaf}, {(byte) 0xed, (byte) 0xa0, (byte) 0x80},
            {(byte) 0xff}, {(byte) 0xfe}, {(byte) 0xe2, (byte) 0x82}, {(byte) 0xf4, (byte) 0x90, (byte) 0x80, (byte) 0x80}, {(byte) 0x80},
            {(byte) 0xf8, (byte) 0x88, (byte) 0x80, (byte) 0x80, (byte) 0x80}, {(byte) 0xc1, (byte) 0xbf}};

    private final Random random;
    final List<String> applied = new ArrayList<>();

    Mutator(Random random) {
        this.random = random;
    }

    // ---------------------------------------------------------------- JSON form

    byte[] json(String seed) {
        JsonNode root;
        try {
            root = PLAIN.readTree(seed);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
        int n = 1 + random.nextInt(3);
        for (int i = 0; i < n; i++) {
            root = mutateTree(root);
        }
        boolean escape = random.nextInt(3) == 0;
        byte[] bytes;
        try {
            bytes = escape ? ESCAPED.writeValueAsBytes(root)
                    : PLAIN.writeValueAsString(root).getBytes(StandardCharsets.UTF_8);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
        if (random.nextInt(6) == 0) {
            bytes = mutateBytes(bytes);
        }
        return bytes;
    }

    private JsonNode mutateTree(JsonNode root) {
        List<Slot> slots = new ArrayList<>();
        collect(root, slots, 0);
        if (slots.isEmpty()) {
            applied.add("replace-root");
            return value(0);
        }
        Slot s = slots.get(random.nextInt(slots.size()));
        int kind = random.nextInt(14);
        switch (kind) {
            case 0 -> {
                applied.add("type-swap " + s);
                s.set(value(random.nextInt(8)));
            }
            case 1 -> {
                applied.add("delete " + s);
                s.remove();
            }
            case 2 -> {
                applied.add("duplicate " + s);
                s.duplicate();
            }
            case 3 -> {
                applied.add("huge " + s);
                s.set(NODES.textNode(huge()));
            }
            case 4 -> {
                applied.add("control " + s);
                s.set(NODES.textNode(insert(s.text(), pick(CONTROLS))));
            }
            case 5 -> {
                applied.add("unicode " + s);
                s.set(NODES.textNode(insert(s.text(), pick(UNICODE))));
            }
            case 6 -> {
                applied.add("content-type");
                attachment(root).put("contentType", pick(CONTENT_TYPES));
            }
            case 7 -> {
                applied.add("header");
                ObjectNode h = NODES.objectNode();
                h.put("name", pick(HEADER_NAMES));
                h.put("value", random.nextBoolean() ? insert("v", pick(random.nextBoolean() ? UNICODE : CONTROLS)) : huge());
                ObjectNode m = message(root);
                JsonNode headers = m.get("internetMessageHeaders");
                (headers instanceof ArrayNode a ? a : m.putArray("internetMessageHeaders")).add(h);
            }
            case 8 -> {
                applied.add("nest " + s);
                JsonNode v = s.get();
                int depth = 5 + random.nextInt(30);
                for (int i = 0; i < depth; i++) {
                    v = random.nextBoolean() ? NODES.arrayNode().add(v) : NODES.objectNode().set("a", v);
                }
                s.set(v);
            }
            case 9 -> {
                applied.add("number " + s);
                s.set(number());
            }
            case 10 -> {
                applied.add("base64");
                ObjectNode a = attachment(root);
                a.put("contentBytes", breakBase64(a.path("contentBytes").asText("YQ==")));
            }
            case 11 -> {
                applied.add("enum");
                ObjectNode m = message(root);
                if (random.nextBoolean()) {
                    m.put("importance", pick(ENUMS));
                } else {
                    JsonNode body = m.get("body");
                    (body instanceof ObjectNode b ? b : m.putObject("body")).put("contentType", pick(ENUMS));
                }
            }
            case 12 -> {
                applied.add("odata-type");
                attachment(root).put("@odata.type", pick(ODATA));
            }
            default -> {
                applied.add("case-variant " + s);
                s.caseVariant();
            }
        }
        return root;
    }

    private ObjectNode message(JsonNode root) {
        if (root instanceof ObjectNode o) {
            JsonNode m = o.get("message");
            if (m instanceof ObjectNode mo) {
                return mo;
            }
            return o.putObject("message");
        }
        return NODES.objectNode(); // the root is no object any more: the mutation is lost, the request still goes
    }

    private ObjectNode attachment(JsonNode root) {
        ObjectNode m = message(root);
        JsonNode list = m.get("attachments");
        ArrayNode array = list instanceof ArrayNode a ? a : m.putArray("attachments");
        List<ObjectNode> objects = new ArrayList<>();
        array.forEach(e -> {
            if (e instanceof ObjectNode o) {
                objects.add(o);
            }
        });
        if (objects.isEmpty()) {
            ObjectNode a = array.addObject();
            a.put("@odata.type", "#microsoft.graph.fileAttachment").put("name", "f.txt").put("contentBytes", "aGVsbG8=");
            return a;
        }
        return objects.get(random.nextInt(objects.size()));
    }

    private JsonNode value(int kind) {
        return switch (kind) {
            case 0 -> NODES.booleanNode(random.nextBoolean());
            case 1 -> NODES.numberNode(1.5);
            case 2 -> NODES.numberNode(random.nextInt());
            case 3 -> NODES.nullNode();
            case 4 -> NODES.textNode("");
            case 5 -> NODES.arrayNode();
            case 6 -> NODES.objectNode();
            default -> NODES.textNode(random.nextBoolean() ? "true" : "x");
        };
    }

    private JsonNode number() {
        return switch (random.nextInt(6)) {
            case 0 -> NODES.numberNode(new java.math.BigInteger("123456789012345678901234567890"));
            case 1 -> NODES.numberNode(-0.0);
            case 2 -> NODES.numberNode(new java.math.BigDecimal("1e309"));
            case 3 -> NODES.numberNode(Long.MIN_VALUE);
            case 4 -> NODES.numberNode(0);
            default -> NODES.numberNode(1);
        };
    }

    private String huge() {
        int length = switch (random.nextInt(4)) {
            case 0 -> 999;
            case 1 -> 5_000;
            case 2 -> 20_000 + random.nextInt(20_000);
            default -> 300;
        };
        String unit = switch (random.nextInt(5)) {
            case 0 -> "s";
            case 1 -> "word ";
            case 2 -> "é";
            case 3 -> "😀";
            default -> "a\t";
        };
        return unit.repeat(Math.max(1, length / unit.length()));
    }

    private String insert(String into, String what) {
        String base = into == null ? "" : into;
        return switch (random.nextInt(3)) {
            case 0 -> what + base;
            case 1 -> base + what;
            default -> {
                int at = base.isEmpty() ? 0 : random.nextInt(base.length() + 1);
                yield base.substring(0, at) + what + base.substring(at);
            }
        };
    }

    private String breakBase64(String b64) {
        return switch (random.nextInt(7)) {
            case 0 -> b64.isEmpty() ? "=" : b64.substring(1);
            case 1 -> b64 + "=";
            case 2 -> "*" + b64;
            case 3 -> b64.replace('+', '-').replace('/', '_') + "-_";
            case 4 -> b64.substring(0, b64.length() / 2) + " \r\n" + b64.substring(b64.length() / 2);
            case 5 -> "";
            default -> b64.replace("=", "");
        };
    }

    byte[] mutateBytes(byte[] bytes) {
        byte[] bad = BAD_UTF8[random.nextInt(BAD_UTF8.length)];
        int at = random.nextInt(bytes.length + 1);
        applied.add("invalid-utf8@" + at);
        byte[] out = new byte[bytes.length + bad.length];
        System.arraycopy(bytes, 0, out, 0, at);
        System.arraycopy(bad, 0, out, at, bad.length);
        System.arraycopy(bytes, at, out, at + bad.length, bytes.length - at);
        return out;
    }

    private <T> T pick(T[] options) {
        return options[random.nextInt(options.length)];
    }

    /** Every value in the tree, with a way to replace, remove or duplicate it in its parent. */
    private static void collect(JsonNode node, List<Slot> slots, int depth) {
        if (depth > 20) {
            return;
        }
        if (node instanceof ObjectNode o) {
            List<String> names = new ArrayList<>();
            o.fieldNames().forEachRemaining(names::add);
            for (String name : names) {
                slots.add(new Slot(o, name, -1));
                collect(o.get(name), slots, depth + 1);
            }
        } else if (node instanceof ArrayNode a) {
            for (int i = 0; i < a.size(); i++) {
                slots.add(new Slot(a, null, i));
                collect(a.get(i), slots, depth + 1);
            }
        }
    }

    private static final class Slot {
        final JsonNode parent;
        final String name;
        final int index;

        Slot(JsonNode parent, String name, int index) {
            this.parent = parent;
            this.name = name;
            this.index = index;
        }

        JsonNode get() {
            return name != null ? parent.get(name) : parent.get(index);
        }

        String text() {
            JsonNode v = get();
            return v != null && v.isTextual() ? v.textValue() : "";
        }

        void set(JsonNode value) {
            if (name != null) {
                ((ObjectNode) parent).set(name, value);
            } else {
                ((ArrayNode) parent).set(index, value);
            }
        }

        void remove() {
            if (name != null) {
                ((ObjectNode) parent).remove(name);
            } else {
                ((ArrayNode) parent).remove(index);
            }
        }

        void duplicate() {
            if (name != null) {
                ((ObjectNode) parent).set(name + "Copy", get().deepCopy());
            } else {
                ((ArrayNode) parent).insert(index, get().deepCopy());
            }
        }

        /** With case-insensitive property names, "Subject" next to "subject" is the same property twice. */
        void caseVariant() {
            if (name != null && !name.isEmpty()) {
                String other = Character.isUpperCase(name.charAt(0)) ? name.toLowerCase(java.util.Locale.ROOT) : name.toUpperCase(java.util.Locale.ROOT);
                ((ObjectNode) parent).set(other, get().deepCopy());
            } else {
                duplicate();
            }
        }

        @Override
        public String toString() {
            return name != null ? name : "[" + index + "]";
        }
    }

    // ---------------------------------------------------------------- MIME form

    /** A mutated MIME message, base64-encoded as Graph's MIME form (sometimes with broken base64). */
    byte[] mime(String seed) {
        String text = seed;
        int n = 1 + random.nextInt(3);
        for (int i = 0; i < n; i++) {
            text = mutateMime(text);
        }
        byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
        if (random.nextInt(5) == 0) {
            bytes = mutateBytes(bytes);
        }
        String b64 = random.nextInt(4) == 0 ? Base64.getMimeEncoder().encodeToString(bytes) : Base64.getEncoder().encodeToString(bytes);
        if (random.nextInt(12) == 0) {
            applied.add("outer-base64");
            b64 = breakBase64(b64);
        }
        return b64.getBytes(StandardCharsets.US_ASCII);
    }

    private String mutateMime(String mime) {
        if (mime.isEmpty()) {
            mime = "To: ops@fabrikam.example\r\n\r\nx";
        }
        int headerEnd = mime.indexOf("\r\n\r\n");
        String[] headerLines = mime.substring(0, headerEnd < 0 ? mime.length() : headerEnd).split("\r\n");
        int line = random.nextInt(headerLines.length);
        switch (random.nextInt(12)) {
            case 0 -> {
                applied.add("mime-inject-subject");
                return mime.replaceFirst("Subject: ", "Subject: x" + pick(CONTROLS).replace("$", "") + " ");
            }
            case 1 -> {
                applied.add("mime-delete-header " + line);
                return without(mime, headerLines[line]);
            }
            case 2 -> {
                applied.add("mime-duplicate-header " + line);
                return headerLines[line] + "\r\n" + mime;
            }
            case 3 -> {
                applied.add("mime-long-line");
                return mime.replaceFirst("Subject: ", "Subject: " + huge().replace("\t", " ") + " ");
            }
            case 4 -> {
                applied.add("mime-control");
                int at = random.nextInt(mime.length());
                return mime.substring(0, at) + pick(CONTROLS) + mime.substring(at);
            }
            case 5 -> {
                applied.add("mime-content-type");
                return "Content-Type: " + pick(CONTENT_TYPES) + "\r\n" + without(mime, "Content-Type:");
            }
            case 6 -> {
                applied.add("mime-transfer-encoding");
                String[] cte = {"base64", "quoted-printable", "x-uuencode", "bogus", "8bit", "binary", "7bit\u0000"};
                return mime.replace("Content-Transfer-Encoding: ", "Content-Transfer-Encoding: " + pick(cte) + "\r\nX-Was: ");
            }
            case 7 -> {
                applied.add("mime-nesting");
                StringBuilder sb = new StringBuilder("From: noreply@contoso.example\r\nTo: ops@fabrikam.example\r\nSubject: deep\r\nMIME-Version: 1.0\r\n");
                int depth = 5 + random.nextInt(12);
                for (int i = 0; i < depth; i++) {
                    sb.append("Content-Type: multipart/mixed; boundary=b").append(i).append("\r\n\r\n--b").append(i).append("\r\n");
                }
                sb.append("Content-Type: text/plain\r\n\r\nx\r\n");
                for (int i = depth - 1; i >= 0; i--) {
                    sb.append("--b").append(i).append("--\r\n");
                }
                return sb.toString();
            }
            case 8 -> {
                applied.add("mime-unicode");
                int at = random.nextInt(mime.length());
                return mime.substring(0, at) + pick(UNICODE) + mime.substring(at);
            }
            case 9 -> {
                applied.add("mime-address");
                String[] addresses = {"To: ops@fabrikam.example\r\n", "To: broken@@x", "To: <>", "To: \"a\" <a@b.example>, ;", "To: g: a@b.example, c@d.example;",
                        "To: " + "a".repeat(70) + "@b.example", "To: a@b.example\u0000", "To: =?UTF-8?B?wK8=?= <a@b.example>", "To: ", "Cc: x@y.example"};
                return pick(addresses) + "\r\n" + mime;
            }
            case 10 -> {
                applied.add("mime-boundary");
                return mime.replaceFirst("--[A-Za-z0-9=_]+--", "--nomatch--").replaceFirst("boundary=\"?[A-Za-z0-9=_]+\"?", "boundary=" + pick(new String[] {"", "\"\"", "x", "\"a b\""}));
            }
            default -> {
                applied.add("mime-truncate");
                return mime.substring(0, random.nextInt(mime.length()));
            }
        }
    }

    private static String without(String mime, String lineStart) {
        StringBuilder out = new StringBuilder();
        boolean removed = false;
        for (String l : mime.split("\r\n", -1)) {
            if (!removed && l.startsWith(lineStart)) {
                removed = true;
                continue;
            }
            out.append(l).append("\r\n");
        }
        return out.substring(0, Math.max(0, out.length() - 2));
    }

    static Map<String, Integer> tally(Map<String, Integer> counts, List<String> applied) {
        for (String a : applied) {
            String kind = a.split("[ @]", 2)[0];
            counts.merge(kind, 1, Integer::sum);
        }
        return counts;
    }

}
