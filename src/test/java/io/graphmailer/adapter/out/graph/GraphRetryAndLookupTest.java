package io.graphmailer.adapter.out.graph;

import io.graphmailer.format.graph.GraphRequestBody;
import io.graphmailer.format.graph.TrackingMessageId;

import io.graphmailer.adapter.out.identity.AccessTokenProvider;
import io.graphmailer.application.port.out.SentMessageLookup;
import io.graphmailer.domain.BodyType;
import io.graphmailer.domain.EmailAddress;
import io.graphmailer.domain.EmailMessage;
import io.graphmailer.domain.Importance;
import io.graphmailer.domain.MailLimits;
import io.graphmailer.domain.MailTransportException;
import io.graphmailer.domain.MailTransportException.Kind;
import io.graphmailer.domain.Mailbox;
import io.graphmailer.domain.SendMailCommand;
import io.graphmailer.standin.GraphFault;
import io.graphmailer.standin.GraphStandin;
import io.graphmailer.standin.IdentityPlatformStandin;
import io.graphmailer.standin.Standins;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * GraphMailSender's in-request 429 retries against the Graph stand-in (counted there), and the Sent Items lookup of
 * policy verify with Graph's $filter syntax, without the app around them.
 */
class GraphRetryAndLookupTest {
    private final Standins standins = Standins.shared();
    private final GraphStandin graph = standins.graph();

    private final AccessTokenProvider tokens = new StandinAppTokens(standins);

    @BeforeEach
    void reset() {
        standins.reset();
        grant(GraphStandin.MAIL_SEND, "Mail.ReadBasic");
    }

    private void grant(String... roles) {
        standins.identity().grantRoles(Standins.CLIENT_ID, IdentityPlatformStandin.GRAPH_RESOURCE, Set.of(roles));
    }

    private static SendMailCommand command(boolean saveToSentItems) {
        EmailMessage m = new EmailMessage("Invoice 7", BodyType.TEXT, "hello", List.of(new EmailAddress("ops@fabrikam.example", null)),
                List.of(), List.of(), List.of(), null, Importance.NORMAL, List.of(), List.of(), List.of(), false, false);
        return new SendMailCommand(new Mailbox(Standins.MAILBOX), m, saveToSentItems, MailLimits.DEFAULT);
    }

    private GraphMailSender sender(Duration timeout, int retries, Duration budget) {
        return new GraphMailSender(new GraphClient(graph.baseUrl(), tokens, timeout, retries, Duration.ofSeconds(3), budget));
    }

    private GraphSentMessageLookup lookup() {
        return new GraphSentMessageLookup(client());
    }

    private GraphClient client() {
        return new GraphClient(graph.baseUrl(), tokens, Duration.ofSeconds(5), 0, Duration.ofSeconds(1));
    }

    @Test
    void givenTwo429sWithRetryAfter1UnderATimeoutShorterThanTheWaits_thenSentOnTheThirdRequestNotUnknown() {
        graph.injectFaults(2, GraphFault.throttled(1));
        // 1.5 s per request; the two waits add 2 s. A timeout spanning the retries would end as "did not answer in time".
        sender(Duration.ofMillis(1500), 2, Duration.ofSeconds(30)).send(command(true), UUID.randomUUID().toString());

        assertThat(graph.sendMailRequests(Standins.MAILBOX)).isEqualTo(3);
        assertThat(graph.requests()).extracting(GraphStandin.RequestSeen::status).containsExactly(429, 429, 202);
        assertThat(graph.acceptedMessages()).hasSize(1);
    }

    @Test
    void givenA429StormLongerThanTheRetryBudget_thenTransientNotSentNeverOutcomeUnknown() {
        graph.injectFaults(10, GraphFault.throttled(1));
        // Budget 1.5 s: the first wait (1 s) fits, the second would not.
        assertThatThrownBy(() -> sender(Duration.ofMillis(800), 5, Duration.ofMillis(1500)).send(command(true), UUID.randomUUID().toString()))
                .isInstanceOfSatisfying(MailTransportException.class, e -> {
                    assertThat(e.kind()).isEqualTo(Kind.TRANSIENT);
                    assertThat(e.retryAfter()).isEqualTo(Duration.ofSeconds(1));
                });
        assertThat(graph.sendMailRequests(Standins.MAILBOX)).isEqualTo(2);
        assertThat(graph.acceptedMessages()).isEmpty();
    }

    @Test
    void givenTheMessageWasSent_thenTheLookupFindsItByItsInternetMessageIdWithGraphsFilter() {
        String trackingId = UUID.randomUUID().toString();
        sender(Duration.ofSeconds(5), 0, Duration.ofSeconds(5)).send(command(true), trackingId);
        String id = TrackingMessageId.of(new Mailbox(Standins.MAILBOX), trackingId);
        assertThat(graph.acceptedMessages().get(0).json().path("message").path("internetMessageId").asText()).isEqualTo(id);

        SentMessageLookup.Result found = lookup().find(command(true), trackingId);

        assertThat(found.found()).isEqualTo(SentMessageLookup.Found.FOUND);
        assertThat(graph.folderLookups()).containsExactly("internetMessageId eq '" + id + "'");
        assertThat(lookup().find(command(true), UUID.randomUUID().toString()).found()).isEqualTo(SentMessageLookup.Found.ABSENT);
    }

    @Test
    void givenAcceptedThen504_thenTheSenderSaysUnknownAndTheLookupFindsIt() {
        graph.injectFaults(1, GraphFault.acceptThen504());
        String trackingId = UUID.randomUUID().toString();
        assertThatThrownBy(() -> sender(Duration.ofSeconds(5), 2, Duration.ofSeconds(5)).send(command(true), trackingId))
                .isInstanceOfSatisfying(MailTransportException.class, e -> assertThat(e.kind()).isEqualTo(Kind.OUTCOME_UNKNOWN));
        assertThat(graph.sendMailRequests(Standins.MAILBOX)).as("a 504 is not retried in-request").isEqualTo(1);
        assertThat(lookup().find(command(true), trackingId).found()).isEqualTo(SentMessageLookup.Found.FOUND);
    }

    @Test
    void givenNoMailReadRole_thenTheLookupCannotLookAndNamesThePermission() {
        grant(GraphStandin.MAIL_SEND);
        SentMessageLookup.Result result = lookup().find(command(true), UUID.randomUUID().toString());
        assertThat(result.found()).isEqualTo(SentMessageLookup.Found.CANNOT_LOOK);
        assertThat(result.detail()).contains("403").contains("Mail.ReadBasic");
    }

    @Test
    void givenSaveToSentItemsFalse_thenTheLookupCannotLookWithoutAskingGraph() {
        SentMessageLookup.Result result = lookup().find(command(false), UUID.randomUUID().toString());
        assertThat(result.found()).isEqualTo(SentMessageLookup.Found.CANNOT_LOOK);
        assertThat(graph.folderLookups()).isEmpty();
    }

    @Test
    void givenAnotherFilter_thenTheStandInRefusesItAsGraphDoesWith400() throws Exception {
        var http = client().http();
        okhttp3.HttpUrl url = okhttp3.HttpUrl.get(graph.baseUrl()).newBuilder().addPathSegments("v1.0/users/" + Standins.MAILBOX
                + "/mailFolders/sentitems/messages").addQueryParameter("$filter", "subject eq 'x'").build();
        GraphHttp.Answer answer = GraphHttp.execute(http, GraphHttp.request("GET", url.toString(), null, tokens.token("x"), "t"), "t");
        assertThat(answer.status()).isEqualTo(400);
        assertThat(answer.code()).isEqualTo("BadRequest");
    }

    /** A message with an attachment by reference: sent as a draft (needs Mail.ReadWrite). */
    private static SendMailCommand draftCommand() {
        io.graphmailer.domain.Attachment file = io.graphmailer.domain.Attachment.byReference("notes.txt", "text/plain",
                new io.graphmailer.domain.AttachmentReference(java.net.URI.create("https://account.blob.core.windows.net/mail-attachments/notes.txt"),
                        5), false, null);
        EmailMessage m = new EmailMessage("Draft path", BodyType.TEXT, "see attached", List.of(new EmailAddress("ops@fabrikam.example", null)),
                List.of(), List.of(), List.of(), null, Importance.NORMAL, List.of(), List.of(file), List.of(), false, false);
        return new SendMailCommand(new Mailbox(Standins.MAILBOX), m, true, MailLimits.DEFAULT);
    }

    private static final io.graphmailer.application.port.out.AttachmentContentSource FIVE_BYTES =
            new io.graphmailer.application.port.out.AttachmentContentSource() {
                @Override
                public java.util.OptionalLong size(io.graphmailer.domain.AttachmentReference reference) {
                    return java.util.OptionalLong.of(5);
                }

                @Override
                public java.io.InputStream open(io.graphmailer.domain.AttachmentReference reference) {
                    return new java.io.ByteArrayInputStream("hello".getBytes(java.nio.charset.StandardCharsets.US_ASCII));
                }
            };

    @Test
    void givenTheDraftPathSent_thenFoundInSentItems_andADraftLeftInDraftsCountsAsNotSent() {
        grant(GraphStandin.MAIL_SEND, GraphStandin.MAIL_READ_WRITE, "Mail.ReadBasic");
        String sentId = UUID.randomUUID().toString();
        new GraphMailSender(client(), FIVE_BYTES, GraphMailSender.DEFAULT_UPLOAD_CHUNK_BYTES).send(draftCommand(), sentId);
        assertThat(graph.sentDrafts()).singleElement().satisfies(d -> assertThat(d.json().path("internetMessageId").asText())
                .isEqualTo(TrackingMessageId.of(new Mailbox(Standins.MAILBOX), sentId)));
        assertThat(lookup().find(draftCommand(), sentId).found()).isEqualTo(SentMessageLookup.Found.FOUND);

        // A draft created but never submitted (the process died before its send).
        String unsentId = UUID.randomUUID().toString();
        byte[] draft = GraphRequestBody.draft((EmailMessage) draftCommand().content(), true,
                TrackingMessageId.of(new Mailbox(Standins.MAILBOX), unsentId));
        GraphHttp.Answer created = GraphHttp.execute(client().http(),
                GraphHttp.request("POST", graph.graphUrl() + "/users/" + Standins.MAILBOX + "/messages",
                        okhttp3.RequestBody.create(draft, okhttp3.MediaType.get("application/json")), tokens.token("x"), unsentId), unsentId);
        assertThat(created.status()).isEqualTo(201);
        SentMessageLookup.Result result = lookup().find(draftCommand(), unsentId);
        assertThat(result.found()).isEqualTo(SentMessageLookup.Found.ABSENT);
        assertThat(result.detail()).contains("still in drafts");
        assertThat(graph.folderLookups()).hasSize(3); // sentitems (found); sentitems and drafts (draft left)
    }
}
