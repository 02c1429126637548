package io.graphmailer.adapter.out.graph;

import io.graphmailer.adapter.out.identity.AccessTokenProvider;
import io.graphmailer.application.port.out.AttachmentContentSource;
import io.graphmailer.domain.Attachment;
import io.graphmailer.domain.AttachmentReference;
import io.graphmailer.domain.BodyType;
import io.graphmailer.domain.EmailAddress;
import io.graphmailer.domain.EmailMessage;
import io.graphmailer.domain.Importance;
import io.graphmailer.domain.MailLimits;
import io.graphmailer.domain.MailTransportException;
import io.graphmailer.domain.MailTransportException.Kind;
import io.graphmailer.domain.Mailbox;
import io.graphmailer.domain.SendMailCommand;
import io.graphmailer.standin.GraphStandin;
import io.graphmailer.standin.GraphStandin.RangeSeen;
import io.graphmailer.standin.IdentityPlatformStandin;
import io.graphmailer.standin.Standins;
import okhttp3.MediaType;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.RequestBody;
import okhttp3.Response;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.InputStream;
import java.net.URI;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.OptionalLong;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The Graph path for large attachments against the Graph stand-in, without the app around it: draft, upload session,
 * ranges, send; failures after the draft exists; and a structural proof that content is streamed (the sender is never
 * more than one range ahead of what Graph has received).
 */
class UploadSessionTest {
    private static final int CHUNK = GraphMailSender.DEFAULT_UPLOAD_CHUNK_BYTES;
    private static final long MB = 1024L * 1024L;

    private final Standins standins = Standins.shared();
    private final GraphStandin graph = standins.graph();

    @BeforeEach
    void reset() {
        standins.reset();
        grantReadWrite(true);
    }

    private void grantReadWrite(boolean granted) {
        standins.identity().grantRoles(Standins.CLIENT_ID, IdentityPlatformStandin.GRAPH_RESOURCE, granted
                ? Set.of(GraphStandin.MAIL_SEND, GraphStandin.MAIL_READ_WRITE) : Set.of(GraphStandin.MAIL_SEND));
    }

    /** Tokens as the identity platform issues them now (with the app's current roles). */
    private final AccessTokenProvider tokens = new StandinAppTokens(standins);

    /** A blob that is generated while it is read (never held in memory), counting the bytes handed out. */
    static final class GeneratedBlobs implements AttachmentContentSource {
        final AtomicLong read = new AtomicLong();
        final long size;

        GeneratedBlobs(long size) {
            this.size = size;
        }

        @Override
        public OptionalLong size(AttachmentReference reference) {
            return OptionalLong.of(size);
        }

        @Override
        public InputStream open(AttachmentReference reference) {
            return new InputStream() {
                private final SplittableRandom random = new SplittableRandom(42);
                private long position;

                @Override
                public int read() {
                    byte[] one = new byte[1];
                    return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
                }

                @Override
                public int read(byte[] b, int off, int len) {
                    if (position >= size) {
                        return -1;
                    }
                    int n = (int) Math.min(len, size - position);
                    for (int i = 0; i < n; i++) {
                        b[off + i] = (byte) random.nextInt(256);
                    }
                    position += n;
                    read.addAndGet(n);
                    return n;
                }
            };
        }

        String sha256() throws Exception {
            MessageDigest digest = MessageDigest.getInstance("SHA-256");
            try (InputStream in = new GeneratedBlobs(size).open(null)) {
                byte[] buffer = new byte[64 * 1024];
                for (int n; (n = in.read(buffer, 0, buffer.length)) > 0; ) {
                    digest.update(buffer, 0, n);
                }
            }
            return HexFormat.of().formatHex(digest.digest());
        }
    }

    private GraphMailSender sender(AttachmentContentSource blobs) {
        return new GraphMailSender(new GraphClient(graph.baseUrl(), tokens, Duration.ofSeconds(20), 0, Duration.ofSeconds(1)), blobs, CHUNK);
    }

    private static SendMailCommand command(long blobSize, byte[] small) {
        Attachment big = Attachment.byReference("big.bin", "application/octet-stream",
                new AttachmentReference(URI.create("https://account.blob.core.windows.net/mail-attachments/big.bin"), blobSize), false, null);
        List<Attachment> attachments = small == null ? List.of(big)
                : List.of(new Attachment("logo.png", "image/png", small, true, "logo"), big);
        EmailMessage m = new EmailMessage("Large file", BodyType.HTML, "<p>see attached <img src=\"cid:logo\"></p>",
                List.of(new EmailAddress("ops@fabrikam.example", null)), List.of(), List.of(), List.of(), null, Importance.NORMAL,
                List.of(), attachments, List.of(), false, false);
        // A mailbox whose admins raised the message limit to Exchange's ceiling of 150 MB.
        MailLimits raised = new MailLimits(500, MailLimits.GRAPH_INLINE_ATTACHMENT_BYTES, MailLimits.EXCHANGE_MAX_MESSAGE_BYTES,
                MailLimits.EXCHANGE_MAX_MESSAGE_BYTES, 100);
        return new SendMailCommand(new Mailbox(Standins.MAILBOX), m, true, raised);
    }

    @Test
    void givenBlobOf30MB_thenUploadedInOrderedRangesWithoutBearerNeverAheadOfGraphAndSent() throws Exception {
        long size = 30 * MB + 12345;
        GeneratedBlobs blobs = new GeneratedBlobs(size);
        AtomicLong furthestAhead = new AtomicLong();
        // When Graph holds range [start, end], how far beyond it has the sender read from the blob?
        graph.onUploadRange(range -> furthestAhead.accumulateAndGet(blobs.read.get() - (range.end() + 1), Math::max));

        sender(blobs).send(command(size, new byte[] {1, 2, 3}), "4c1f3c0e-6f0e-4a59-9b8e-2d7f1c0a9b01");

        assertThat(graph.sentDrafts()).hasSize(1);
        GraphStandin.SentDraft sent = graph.sentDrafts().get(0);
        assertThat(sent.clientRequestId()).isEqualTo("4c1f3c0e-6f0e-4a59-9b8e-2d7f1c0a9b01");
        assertThat(sent.attachments()).extracting(GraphStandin.DraftAttachment::name, GraphStandin.DraftAttachment::via,
                GraphStandin.DraftAttachment::size).containsExactlyInAnyOrder(
                org.assertj.core.groups.Tuple.tuple("logo.png", "draft", 3L),
                org.assertj.core.groups.Tuple.tuple("big.bin", "uploadSession", size));
        GraphStandin.DraftAttachment big = sent.attachments().stream().filter(a -> a.name().equals("big.bin")).findFirst().orElseThrow();
        assertThat(big.sha256()).isEqualTo(blobs.sha256());

        List<RangeSeen> ranges = graph.uploadRanges();
        assertThat(ranges).allSatisfy(r -> {
            assertThat(r.hadAuthorization()).isFalse();
            assertThat(r.status()).isIn(200, 201);
            assertThat(r.length()).isLessThanOrEqualTo(CHUNK).isLessThanOrEqualTo(GraphStandin.MAX_RANGE_BYTES);
        });
        long expectedStart = 0;
        for (int i = 0; i < ranges.size(); i++) {
            RangeSeen r = ranges.get(i);
            assertThat(r.start()).isEqualTo(expectedStart);
            assertThat(r.total()).isEqualTo(size);
            if (i < ranges.size() - 1) {
                assertThat(r.length() % (320 * 1024)).isZero();
            }
            expectedStart = r.end() + 1;
        }
        assertThat(expectedStart).isEqualTo(size);
        // Streamed: never more than one range read ahead of Graph, so the heap never held the file.
        assertThat(furthestAhead.get()).isLessThanOrEqualTo(CHUNK);
        assertThat(graph.openDrafts()).isEmpty();
    }

    @Test
    void givenNoMailReadWrite_thenConfigurationProblemNamingItAndNothingSent() {
        grantReadWrite(false);

        assertThatThrownBy(() -> sender(new GeneratedBlobs(4 * MB)).send(command(4 * MB, null), "t-1"))
                .isInstanceOfSatisfying(MailTransportException.class, e -> {
                    assertThat(e.kind()).isEqualTo(Kind.CONFIGURATION);
                    assertThat(e.code()).isEqualTo("MailReadWriteMissing");
                    assertThat(e.getMessage()).contains("Mail.ReadWrite");
                });
        assertThat(graph.acceptedMessages()).isEmpty();
        assertThat(graph.uploadRanges()).isEmpty();
    }

    @Test
    void givenRangeFailsWith500_thenTransientDraftDeletedNothingSent() {
        graph.failUploadRanges(0, 500);

        assertThatThrownBy(() -> sender(new GeneratedBlobs(8 * MB)).send(command(8 * MB, null), "t-2"))
                .isInstanceOfSatisfying(MailTransportException.class, e -> {
                    assertThat(e.kind()).isEqualTo(Kind.TRANSIENT);
                    assertThat(e.getMessage()).contains("nothing was sent").contains("big.bin");
                });
        assertThat(graph.acceptedMessages()).isEmpty();
        assertThat(graph.openDrafts()).isEmpty();
        assertThat(graph.deletedDrafts()).hasSize(1);
    }

    @Test
    void givenUploadSessionExpired_thenTransientDraftDeletedNothingSent() {
        graph.uploadSessionLifetime(Duration.ofMillis(-1));

        assertThatThrownBy(() -> sender(new GeneratedBlobs(4 * MB)).send(command(4 * MB, null), "t-3"))
                .isInstanceOfSatisfying(MailTransportException.class, e -> assertThat(e.kind()).isEqualTo(Kind.TRANSIENT));
        assertThat(graph.uploadRanges()).extracting(RangeSeen::status).containsExactly(404);
        assertThat(graph.acceptedMessages()).isEmpty();
        assertThat(graph.deletedDrafts()).hasSize(1);
    }

    @Test
    void givenSmallBlobByReference_thenAddedWithOnePostNotAnUploadSession() throws Exception {
        GeneratedBlobs blobs = new GeneratedBlobs(100_000);

        sender(blobs).send(command(100_000, null), "t-4");

        GraphStandin.DraftAttachment a = graph.sentDrafts().get(0).attachments().get(0);
        assertThat(a.via()).isEqualTo("post");
        assertThat(a.sha256()).isEqualTo(blobs.sha256());
        assertThat(graph.uploadRanges()).isEmpty();
    }

    @Test
    void givenBearerTokenOnUploadUrlOrRangeOutOfOrder_thenStandinRefusesAsGraphDoes() throws Exception {
        // A session created through the stand-in's API, then misused directly.
        OkHttpClient http = new OkHttpClient();
        String token = tokens.token("").value();
        String user = graph.graphUrl() + "/users/" + Standins.MAILBOX;
        String draftId;
        try (Response r = http.newCall(new Request.Builder().url(user + "/messages").header("Authorization", "Bearer " + token)
                .post(RequestBody.create("{\"subject\":\"x\"}", MediaType.get("application/json"))).build()).execute()) {
            assertThat(r.code()).isEqualTo(201);
            draftId = new com.fasterxml.jackson.databind.ObjectMapper().readTree(r.body().string()).path("id").asText();
        }
        String uploadUrl;
        try (Response r = http.newCall(new Request.Builder().url(user + "/messages/" + draftId + "/attachments/createUploadSession")
                .header("Authorization", "Bearer " + token)
                .post(RequestBody.create("{\"AttachmentItem\":{\"attachmentType\":\"file\",\"name\":\"a.bin\",\"size\":1000}}",
                        MediaType.get("application/json"))).build()).execute()) {
            assertThat(r.code()).isEqualTo(201);
            uploadUrl = new com.fasterxml.jackson.databind.ObjectMapper().readTree(r.body().string()).path("uploadUrl").asText();
        }
        try (Response r = http.newCall(new Request.Builder().url(uploadUrl).header("Authorization", "Bearer " + token)
                .header("Content-Range", "bytes 0-99/1000").put(RequestBody.create(new byte[100])).build()).execute()) {
            assertThat(r.code()).isEqualTo(401);
            assertThat(r.body().string()).contains("audience");
        }
        try (Response r = http.newCall(new Request.Builder().url(uploadUrl)
                .header("Content-Range", "bytes 100-199/1000").put(RequestBody.create(new byte[100])).build()).execute()) {
            assertThat(r.code()).isEqualTo(416);
        }
        try (Response r = http.newCall(new Request.Builder().url(uploadUrl)
                .header("Content-Range", "bytes 0-99/999").put(RequestBody.create(new byte[100])).build()).execute()) {
            assertThat(r.code()).isEqualTo(416);
        }
    }
}
