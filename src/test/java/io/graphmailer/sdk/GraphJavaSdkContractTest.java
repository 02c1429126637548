package io.graphmailer.sdk;

import com.azure.core.credential.AccessToken;
import com.azure.core.credential.TokenCredential;
import com.microsoft.graph.models.BodyType;
import com.microsoft.graph.models.FileAttachment;
import com.microsoft.graph.models.InternetMessageHeader;
import com.microsoft.graph.models.Message;
import com.microsoft.graph.models.odataerrors.ODataError;
import com.microsoft.graph.serviceclient.GraphServiceClient;
import com.microsoft.graph.users.item.sendmail.SendMailPostRequestBody;
import com.microsoft.kiota.RequestInformation;
import com.microsoft.kiota.authentication.AzureIdentityAuthenticationProvider;
import com.microsoft.kiota.http.middleware.options.HeadersInspectionOption;
import com.microsoft.kiota.serialization.Parsable;
import com.microsoft.kiota.serialization.ParsableFactory;
import io.graphmailer.support.Outbox;
import io.graphmailer.support.TestTokens;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.mail.Multipart;
import jakarta.mail.Part;
import jakarta.mail.internet.InternetAddress;
import jakarta.mail.internet.MimeMessage;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import reactor.core.publisher.Mono;

import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;

import static io.graphmailer.sdk.SdkMessages.body;
import static io.graphmailer.sdk.SdkMessages.recipient;
import static io.graphmailer.sdk.SdkMessages.request;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

/**
 * Microsoft's Graph Java SDK (6.x, Kiota) pointed at graph-mailer, configured as the README's "Using a Graph SDK" says,
 * sends Graph's documented sendMail examples unchanged and reads graph-mailer's refusals as {@link ODataError}.
 */
@QuarkusTest
class GraphJavaSdkContractTest {
    private static final String MAILBOX = "noreply@contoso.example";
    private static final String SCOPE = TestTokens.AUDIENCE + "/.default";

    @TestHTTPResource("/api")
    URL api;

    private final List<String> requestedScopes = new CopyOnWriteArrayList<>();

    @BeforeEach
    void clean() {
        Outbox.clear();
    }

    /** What an SDK user writes: a credential for graph-mailer's scope, graph-mailer's host allowed, its base URL. */
    private GraphServiceClient client(String baseUrl) {
        TokenCredential credential = context -> {
            requestedScopes.addAll(context.getScopes());
            return Mono.just(new AccessToken(TestTokens.valid(), OffsetDateTime.now().plusHours(1)));
        };
        GraphServiceClient client = new GraphServiceClient(
                new AzureIdentityAuthenticationProvider(credential, new String[]{api.getHost()}, SCOPE));
        client.getRequestAdapter().setBaseUrl(baseUrl);
        return client;
    }

    /** Graph's example 1: a text message with to and cc, not saved to Sent Items. */
    private static SendMailPostRequestBody lunchMessage() {
        Message m = new Message();
        m.setSubject("Meet for lunch?");
        m.setBody(body(BodyType.Text, "The new cafeteria is open."));
        m.setToRecipients(new LinkedList<>(List.of(recipient("frannis@contoso.com"))));
        m.setCcRecipients(new LinkedList<>(List.of(recipient("danas@contoso.com"))));
        return request(m, false);
    }

    @ParameterizedTest(name = "base URL <app>{0}")
    @ValueSource(strings = {"", "/v1.0", "/beta"})
    void givenGraphsTextExample_thenTheSdkSendsItAndTheEmlMatches(String version) throws Exception {
        client(api + version).users().byUserId(MAILBOX).sendMail().post(lunchMessage());

        MimeMessage eml = Outbox.only();
        assertThat(eml.getSubject()).isEqualTo("Meet for lunch?");
        assertThat(((InternetAddress) eml.getFrom()[0]).getAddress()).isEqualTo(MAILBOX);
        assertThat(addresses(eml, jakarta.mail.Message.RecipientType.TO)).containsExactly("frannis@contoso.com");
        assertThat(addresses(eml, jakarta.mail.Message.RecipientType.CC)).containsExactly("danas@contoso.com");
        assertThat(((String) eml.getContent()).trim()).isEqualTo("The new cafeteria is open.");
        assertThat(requestedScopes).containsOnly(SCOPE);
    }

    @Test
    void givenGraphsAttachmentExample_thenTheFileAttachmentArrives() throws Exception {
        Message m = new Message();
        m.setSubject("Meet for lunch?");
        m.setBody(body(BodyType.Text, "The new cafeteria is open."));
        m.setToRecipients(new LinkedList<>(List.of(recipient("meganb@contoso.com"))));
        FileAttachment a = new FileAttachment();
        a.setOdataType("#microsoft.graph.fileAttachment");
        a.setName("attachment.txt");
        a.setContentType("text/plain");
        a.setContentBytes(Base64.getDecoder().decode("SGVsbG8gV29ybGQh"));
        m.setAttachments(new LinkedList<>(List.of(a)));
        client(api.toString()).users().byUserId(MAILBOX).sendMail().post(request(m, null));

        MimeMessage eml = Outbox.only();
        Multipart mixed = (Multipart) eml.getContent();
        Part file = mixed.getBodyPart(1);
        assertThat(file.getFileName()).isEqualTo("attachment.txt");
        assertThat(file.isMimeType("text/plain")).isTrue();
        try (InputStream in = file.getInputStream()) {
            assertThat(new String(in.readAllBytes(), StandardCharsets.UTF_8)).isEqualTo("Hello World!");
        }
    }

    @Test
    void givenAnHtmlMessageWithCcBccReplyToAndAnInlineImage_thenAllOfItArrives() throws Exception {
        Message m = new Message();
        m.setSubject("Quarterly report ✓");
        m.setBody(body(BodyType.Html, "<p>See <b>the chart</b> <img src=\"cid:chart\"></p>"));
        m.setToRecipients(new LinkedList<>(List.of(recipient("alice@fabrikam.example"), recipient("bob@fabrikam.example"))));
        m.setCcRecipients(new LinkedList<>(List.of(recipient("carol@fabrikam.example"))));
        m.setBccRecipients(new LinkedList<>(List.of(recipient("audit@contoso.example"))));
        m.setReplyTo(new LinkedList<>(List.of(recipient("finance@contoso.example"))));
        FileAttachment chart = new FileAttachment();
        chart.setOdataType("#microsoft.graph.fileAttachment");
        chart.setName("chart.png");
        chart.setContentType("image/png");
        chart.setContentBytes(new byte[]{(byte) 0x89, 'P', 'N', 'G', 13, 10, 26, 10});
        chart.setIsInline(true);
        chart.setContentId("chart");
        m.setAttachments(new LinkedList<>(List.of(chart)));
        client(api + "/v1.0").users().byUserId(MAILBOX).sendMail().post(request(m, true));

        MimeMessage eml = Outbox.only();
        assertThat(eml.getSubject()).isEqualTo("Quarterly report ✓");
        assertThat(addresses(eml, jakarta.mail.Message.RecipientType.TO)).containsExactly("alice@fabrikam.example", "bob@fabrikam.example");
        assertThat(addresses(eml, jakarta.mail.Message.RecipientType.CC)).containsExactly("carol@fabrikam.example");
        assertThat(addresses(eml, jakarta.mail.Message.RecipientType.BCC)).containsExactly("audit@contoso.example");
        assertThat(((InternetAddress) eml.getReplyTo()[0]).getAddress()).isEqualTo("finance@contoso.example");
        assertThat(eml.isMimeType("multipart/related")).isTrue();
        Multipart related = (Multipart) eml.getContent();
        assertThat((String) related.getBodyPart(0).getContent()).isEqualTo("<p>See <b>the chart</b> <img src=\"cid:chart\"></p>");
        assertThat(related.getBodyPart(1).getHeader("Content-ID")[0]).isEqualTo("<chart>");
    }

    @Test
    void givenGraphsInternetMessageHeadersExample_thenTheHeadersArrive() throws Exception {
        Message m = new Message();
        m.setSubject("9/9/2018: concert");
        m.setBody(body(BodyType.Html, "The group represents Nevada."));
        m.setToRecipients(new LinkedList<>(List.of(recipient("AlexW@contoso.com"))));
        InternetMessageHeader name = new InternetMessageHeader();
        name.setName("x-custom-header-group-name");
        name.setValue("Nevada");
        InternetMessageHeader id = new InternetMessageHeader();
        id.setName("x-custom-header-group-id");
        id.setValue("NV001");
        m.setInternetMessageHeaders(new LinkedList<>(List.of(name, id)));
        client(api.toString()).users().byUserId(MAILBOX).sendMail().post(request(m, null));

        MimeMessage eml = Outbox.only();
        assertThat(eml.getHeader("x-custom-header-group-name", null)).isEqualTo("Nevada");
        assertThat(eml.getHeader("x-custom-header-group-id", null)).isEqualTo("NV001");
    }

    @Test
    void givenGraphsMimeExampleThroughTheSdksRequestAdapter_thenTheMessageIsPassedOnUnchanged() throws Exception {
        // The SDK has no typed MIME sendMail: a request on its adapter, as Graph's docs do it, with a base64 text/plain body.
        byte[] mime = ("From: noreply@contoso.example\r\nTo: AlexW@contoso.com\r\nSubject: Mime sample\r\nMIME-Version: 1.0\r\n"
                + "Content-Type: text/plain; charset=us-ascii\r\n\r\nThis is the body.\r\n").getBytes(StandardCharsets.US_ASCII);
        GraphServiceClient client = client(api + "/v1.0");
        RequestInformation info = client.users().byUserId(MAILBOX).sendMail().toPostRequestInformation(new SendMailPostRequestBody());
        info.headers.remove("Content-Type");
        info.headers.remove("content-type");
        info.setStreamContent(new ByteArrayInputStream(Base64.getEncoder().encode(mime)), "text/plain");
        assertThat(info.headers.get("Content-Type")).containsExactly("text/plain");
        HashMap<String, ParsableFactory<? extends Parsable>> errors = new HashMap<>();
        errors.put("XXX", ODataError::createFromDiscriminatorValue);
        client.getRequestAdapter().sendPrimitive(info, errors, Void.class);

        assertThat(Outbox.files()).hasSize(1);
        assertThat(java.nio.file.Files.readAllBytes(Outbox.files().get(0))).isEqualTo(mime);
    }

    @Test
    void givenNoRecipients_thenTheSdkThrowsODataErrorWithGraphMailersCodeAndMessage() {
        SendMailPostRequestBody body = lunchMessage();
        body.getMessage().setToRecipients(new LinkedList<>());
        body.getMessage().setCcRecipients(new LinkedList<>());

        ODataError error = catchThrowableOfType(ODataError.class,
                () -> client(api + "/v1.0").users().byUserId(MAILBOX).sendMail().post(body));

        assertThat(error.getResponseStatusCode()).isEqualTo(400);
        assertThat(error.getError().getCode()).isEqualTo("ErrorInvalidRequest");
        assertThat(error.getError().getMessage()).isEqualTo("message.toRecipients at least one recipient (to, cc or bcc) is required");
        assertThat(error.getMessage()).contains("at least one recipient");
        String requestId = error.getResponseHeaders().get("request-id").iterator().next();
        assertThat(error.getError().getInnerError().getRequestId()).isEqualTo(requestId);
        assertThat(error.getError().getInnerError().getClientRequestId())
                .isEqualTo(error.getResponseHeaders().get("client-request-id").iterator().next());
        assertThat(error.getError().getInnerError().getDate()).isNotNull();
        assertThat(Outbox.files()).isEmpty();
    }

    @Test
    void givenAMailboxNotAllowed_thenTheSdkThrowsODataErrorAccessDenied() {
        ODataError error = catchThrowableOfType(ODataError.class,
                () -> client(api.toString()).users().byUserId("ceo@contoso.example").sendMail().post(lunchMessage()));
        assertThat(error.getResponseStatusCode()).isEqualTo(403);
        assertThat(error.getError().getCode()).isEqualTo("ErrorAccessDenied");
        assertThat(error.getError().getMessage()).contains("ceo@contoso.example");
        assertThat(Outbox.files()).isEmpty();
    }

    @Test
    void givenAHostNotInTheAllowedHosts_thenTheSdkSendsNoTokenAndGraphMailerAnswers401() {
        TokenCredential credential = context -> Mono.just(new AccessToken(TestTokens.valid(), OffsetDateTime.now().plusHours(1)));
        // Allowed hosts left at Graph's own (as a Graph app has them): the SDK attaches no token for graph-mailer's host.
        GraphServiceClient client = new GraphServiceClient(
                new AzureIdentityAuthenticationProvider(credential, new String[]{"graph.microsoft.com"}, SCOPE));
        client.getRequestAdapter().setBaseUrl(api.toString());
        ODataError error = catchThrowableOfType(ODataError.class, () -> client.users().byUserId(MAILBOX).sendMail().post(lunchMessage()));
        assertThat(error.getResponseStatusCode()).isEqualTo(401);
        assertThat(error.getError().getCode()).isEqualTo("InvalidAuthenticationToken");
    }

    @Test
    void givenFiveMessagesFromOneSdkClient_thenFiveTrackingIds() throws Exception {
        GraphServiceClient client = client(api + "/v1.0");
        List<String> requestIds = new ArrayList<>();
        Set<String> echoedClientRequestIds = new HashSet<>();
        for (int i = 0; i < 5; i++) {
            HeadersInspectionOption headers = new HeadersInspectionOption(false, true);
            client.users().byUserId(MAILBOX).sendMail().post(lunchMessage(), c -> c.options.add(headers));
            requestIds.add(headers.getResponseHeaders().get("request-id").iterator().next());
            echoedClientRequestIds.addAll(headers.getResponseHeaders().get("client-request-id"));
        }
        assertThat(new HashSet<>(requestIds)).hasSize(5);
        Set<String> trackingIds = new HashSet<>();
        for (java.nio.file.Path file : Outbox.files()) {
            trackingIds.add(Outbox.read(file).getHeader("X-Graph-Mailer-Tracking-Id", null));
        }
        assertThat(trackingIds).containsExactlyInAnyOrderElementsOf(requestIds);
        // graph-core sends one client-request-id for every request of a client: echoed, never adopted as a tracking id.
        assertThat(echoedClientRequestIds).hasSize(1).doesNotContainAnyElementsOf(requestIds);
    }

    private static List<String> addresses(MimeMessage m, jakarta.mail.Message.RecipientType type) throws Exception {
        List<String> out = new ArrayList<>();
        if (m.getRecipients(type) != null) {
            for (var a : m.getRecipients(type)) {
                out.add(((InternetAddress) a).getAddress());
            }
        }
        return out;
    }
}
