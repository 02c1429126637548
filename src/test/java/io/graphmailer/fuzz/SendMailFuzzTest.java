package io.graphmailer.fuzz;

import io.graphmailer.format.graph.MimeRequestParser;
import io.graphmailer.domain.InvalidMailException;
import io.graphmailer.domain.MailLimits;
import io.graphmailer.domain.Mailbox;
import io.graphmailer.support.Outbox;
import io.graphmailer.support.TestTokens;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.response.Response;
import jakarta.mail.Address;
import jakarta.mail.Message;
import jakarta.mail.internet.InternetAddress;
import jakarta.mail.internet.MimeMessage;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * A seeded mutation fuzzer over both request forms, through the real HTTP API and the outbox transport (issue 10
 * part 3). A few thousand requests by default; more with {@code -Dfuzz.requests=30000}; replay a run with
 * {@code -Dfuzz.seed=<seed>} (printed at the start and in every failure). For every request: no 5xx; every 4xx is a
 * problem naming fields; every 2xx message is in the outbox, parses as MIME, has no line over 998 characters and
 * passes graph-mailer's own MIME-form validation again; no header injected through the JSON form became a recipient.
 */
@QuarkusTest
class SendMailFuzzTest {
    private static final int DEFAULT_REQUESTS = 2000;
    private static final String MAILBOX = "noreply@contoso.example";
    private static final String FILE = "{\"@odata.type\":\"#microsoft.graph.fileAttachment\",\"name\":\"report.pdf\","
            + "\"contentType\":\"application/pdf\",\"contentBytes\":\"JVBERi0xLjQgZmFrZQ==\"}";
    private static final String INLINE = "{\"@odata.type\":\"#microsoft.graph.fileAttachment\",\"name\":\"logo.png\","
            + "\"contentType\":\"image/png\",\"contentBytes\":\"iVBORw0KGgo=\",\"isInline\":true,\"contentId\":\"logo\"}";

    static final List<String> JSON_SEEDS = List.of(
            "{\"message\":{\"subject\":\"Hello\",\"body\":{\"contentType\":\"Text\",\"content\":\"Hi.\"},"
                    + "\"toRecipients\":[{\"emailAddress\":{\"address\":\"ops@fabrikam.example\"}}]}}",
            "{\"message\":{\"subject\":\"Rapport – Q3 ✓ 日本語\",\"body\":{\"contentType\":\"HTML\",\"content\":\"<p>Bonjour <img src=\\\"cid:logo\\\"></p>\"},"
                    + "\"toRecipients\":[{\"emailAddress\":{\"address\":\"alice@fabrikam.example\",\"name\":\"Alice Müller\"}}],"
                    + "\"ccRecipients\":[{\"emailAddress\":{\"address\":\"bob@fabrikam.example\"}}],"
                    + "\"bccRecipients\":[{\"emailAddress\":{\"address\":\"audit@contoso.example\"}}],"
                    + "\"replyTo\":[{\"emailAddress\":{\"address\":\"finance@contoso.example\",\"name\":\"Finance\"}}],"
                    + "\"importance\":\"High\",\"categories\":[\"Red category\",\"Q3\"],"
                    + "\"internetMessageHeaders\":[{\"name\":\"x-report-id\",\"value\":\"Q3-2026\"}],"
                    + "\"isDeliveryReceiptRequested\":true,\"isReadReceiptRequested\":\"false\","
                    + "\"attachments\":[" + FILE + "," + INLINE + "]},\"saveToSentItems\":\"false\"}",
            "{\"message\":{\"subject\":\"Alternative\",\"body\":{\"contentType\":\"html\",\"content\":\"<b>x</b>\"},"
                    + "\"@graphMailer.textAlternative\":\"x\",\"toRecipients\":[{\"emailAddress\":{\"address\":\"a@fabrikam.example\"}},"
                    + "{\"emailAddress\":{\"address\":\"b@fabrikam.example\",\"name\":\"Bé\"}}]},\"saveToSentItems\":true}",
            "{\"message\":{\"subject\":\"Files\",\"toRecipients\":[{\"emailAddress\":{\"address\":\"c@fabrikam.example\"}}],"
                    + "\"attachments\":[" + FILE + ",{\"@odata.type\":\"#microsoft.graph.fileAttachment\",\"name\":\"notes.txt\","
                    + "\"contentType\":\"text/plain; charset=utf-8\",\"contentBytes\":\"w6l0w6k=\"}]}}");

    static final List<String> MIME_SEEDS = List.of(
            "From: noreply@contoso.example\r\nTo: ops@fabrikam.example\r\nSubject: Hello\r\nMIME-Version: 1.0\r\n"
                    + "Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\nGrüße.\r\n",
            "From: noreply@contoso.example\r\nTo: \"Alice\" <alice@fabrikam.example>, bob@fabrikam.example\r\nCc: carol@fabrikam.example\r\n"
                    + "Subject: =?UTF-8?B?UmFwcG9ydCDinJM=?=\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=\"b1\"\r\n\r\n"
                    + "--b1\r\nContent-Type: text/plain; charset=UTF-8\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\nRapport =C3=A9t=C3=A9\r\n"
                    + "--b1\r\nContent-Type: application/pdf; name=\"r.pdf\"\r\nContent-Disposition: attachment; filename=\"r.pdf\"\r\n"
                    + "Content-Transfer-Encoding: base64\r\n\r\nJVBERi0xLjQgZmFrZQ==\r\n--b1--\r\n",
            "From: noreply@contoso.example\r\nTo: ops@fabrikam.example\r\nSubject: Alt\r\nMIME-Version: 1.0\r\n"
                    + "Content-Type: multipart/alternative; boundary=alt\r\n\r\n--alt\r\nContent-Type: text/plain; charset=us-ascii\r\n\r\nx\r\n"
                    + "--alt\r\nContent-Type: text/html; charset=utf-8\r\nContent-Transfer-Encoding: base64\r\n\r\nPGI+w6k8L2I+\r\n--alt--\r\n");

    @Test
    void givenThousandsOfMutatedGraphRequests_thenNo5xxEveryRefusalIsAProblemAndEveryAcceptedMessageIsValidMime() throws Exception {
        // A fixed seed by default, so the default run (and CI) is reproducible; -Dfuzz.seed=random explores a new one.
        String seedSetting = System.getProperty("fuzz.seed", "20261201");
        long seed = seedSetting.equals("random") ? System.nanoTime() : Long.parseLong(seedSetting);
        int requests = Integer.getInteger("fuzz.requests", DEFAULT_REQUESTS);
        System.out.printf("SendMailFuzzTest: seed %d, %d requests (replay: -Dfuzz.seed=%d -Dfuzz.requests=%d)%n", seed, requests, seed, requests);
        Outbox.clear();
        String token = TestTokens.bearer();
        MimeRequestParser revalidate = new MimeRequestParser(MailLimits.DEFAULT);
        Map<String, Integer> statuses = new TreeMap<>();
        Map<String, Integer> mutations = new TreeMap<>();
        List<String> failures = new ArrayList<>();
        long lines = 0;
        for (int i = 0; i < requests && failures.size() < 5; i++) {
            Random random = new Random(seed * 1_000_003L + i); // request i alone is reproducible from the seed
            Mutator mutator = new Mutator(random);
            boolean json = random.nextInt(3) != 0;
            byte[] body = json ? mutator.json(JSON_SEEDS.get(random.nextInt(JSON_SEEDS.size())))
                    : mutator.mime(MIME_SEEDS.get(random.nextInt(MIME_SEEDS.size())));
            Mutator.tally(mutations, mutator.applied);
            Response r = given().header("Authorization", token).header("Accept", "application/problem+json")
                    .contentType(json ? "application/json" : "text/plain").body(body)
                    .when().post("/api/users/" + MAILBOX + "/sendMail");
            int status = r.statusCode();
            statuses.merge((json ? "json " : "mime ") + status, 1, Integer::sum);
            String where = "request " + i + " (" + (json ? "JSON" : "MIME") + ", " + mutator.applied + ", seed " + seed + "): ";
            try {
                if (status >= 200 && status < 300) {
                    lines += checkAccepted(r.path("trackingId"), json, revalidate);
                } else {
                    checkRefused(r, status);
                }
            } catch (AssertionError | Exception e) {
                failures.add(where + e + "\n  body: " + preview(body));
            }
        }
        System.out.printf("SendMailFuzzTest: seed %d, statuses %s, mutations %s, accepted lines checked %d%n", seed, statuses, mutations, lines);
        Files.createDirectories(Path.of("target"));
        Files.writeString(Path.of("target/fuzz-report.txt"), "seed " + seed + "\nrequests " + requests + "\nstatuses " + statuses
                + "\nmutations " + mutations + "\nfailures " + failures.size() + "\n" + String.join("\n", failures) + "\n");
        assertThat(failures).as("fuzz failures (seed %d)", seed).isEmpty();
        // the mutations must reach both outcomes, or the fuzzer tests nothing
        assertThat(statuses.keySet()).anyMatch(k -> k.startsWith("json 202")).anyMatch(k -> k.startsWith("json 400"))
                .anyMatch(k -> k.startsWith("mime 202")).anyMatch(k -> k.startsWith("mime 400"));
    }

    private static void checkRefused(Response r, int status) {
        assertThat(status).as("status").isBetween(400, 499);
        assertThat(r.contentType()).as("content type of a %d", status).startsWith("application/problem+json");
        assertThat(r.jsonPath().getInt("status")).as("problem status").isEqualTo(status);
        String code = r.jsonPath().getString("error.code");
        assertThat(code).as("Graph error code").isNotBlank();
        assertThat(code).as("a MIME-building failure is a bug: validation must refuse first").isNotEqualTo("MessageNotEncodable");
        if (status == 400) {
            List<Object> errors = r.jsonPath().getList("errors");
            assertThat(errors).as("errors[] naming the fields").isNotEmpty();
        }
        assertThat(r.asString()).as("no stack trace in the body").doesNotContain("\tat ").doesNotContain("Exception:");
    }

    /** Returns the number of lines checked. */
    private static long checkAccepted(String trackingId, boolean json, MimeRequestParser revalidate) throws Exception {
        assertThat(trackingId).as("trackingId").isNotBlank();
        Path file = Outbox.files().stream().filter(p -> p.getFileName().toString().contains(trackingId)).findFirst()
                .orElseThrow(() -> new AssertionError("accepted but not in the outbox"));
        try {
            byte[] eml = Files.readAllBytes(file);
            String[] lines = new String(eml, StandardCharsets.ISO_8859_1).split("\n", -1);
            for (String line : lines) {
                int length = line.endsWith("\r") ? line.length() - 1 : line.length();
                assertThat(length).as("a line of the outbox message").isLessThanOrEqualTo(998);
            }
            MimeMessage m = Outbox.read(file); // parses headers and content
            if (json) {
                for (Message.RecipientType type : new Message.RecipientType[] {Message.RecipientType.TO, Message.RecipientType.CC, Message.RecipientType.BCC}) {
                    Address[] addresses = m.getRecipients(type);
                    for (Address a : addresses == null ? new Address[0] : addresses) {
                        assertThat(((InternetAddress) a).getAddress()).as("no injected recipient").isNotEqualToIgnoringCase(Mutator.INJECTED);
                    }
                }
                String text = new String(eml, StandardCharsets.ISO_8859_1);
                assertThat(text.substring(0, Math.max(0, text.indexOf("\r\n\r\n")))).as("no injected header line")
                        .doesNotContainPattern("(?im)^(bcc|to|cc):[^\\r\\n]*" + Mutator.INJECTED.replace(".", "\\."));
            }
            try {
                revalidate.parse(new Mailbox(MAILBOX), Base64.getEncoder().encode(eml));
            } catch (InvalidMailException e) {
                throw new AssertionError("the accepted message does not validate again: " + e.violations());
            }
            return lines.length;
        } finally {
            Files.deleteIfExists(file);
        }
    }

    private static String preview(byte[] body) {
        String s = new String(body, StandardCharsets.UTF_8);
        return s.length() > 600 ? s.substring(0, 600) + "… (" + body.length + " bytes)" : s;
    }
}
