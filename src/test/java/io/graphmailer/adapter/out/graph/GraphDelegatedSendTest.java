package io.graphmailer.adapter.out.graph;

import com.azure.core.http.policy.FixedDelayOptions;
import com.azure.core.http.policy.RetryOptions;
import com.azure.identity.ManagedIdentityCredentialBuilder;
import com.azure.security.keyvault.keys.cryptography.CryptographyClientBuilder;
import com.azure.storage.blob.BlobClientBuilder;
import io.graphmailer.adapter.out.identity.AccessToken;
import io.graphmailer.adapter.out.identity.AccessTokenProvider;
import io.graphmailer.adapter.out.identity.BlobTokenCacheStore;
import io.graphmailer.adapter.out.identity.DelegatedTokenProvider;
import io.graphmailer.adapter.out.identity.DeviceCodeSignIn;
import io.graphmailer.domain.BodyType;
import io.graphmailer.domain.DelegatedMailboxes;
import io.graphmailer.domain.EmailAddress;
import io.graphmailer.domain.EmailMessage;
import io.graphmailer.domain.Importance;
import io.graphmailer.domain.MailLimits;
import io.graphmailer.domain.MailTransportException;
import io.graphmailer.domain.Mailbox;
import io.graphmailer.domain.SendMailCommand;
import io.graphmailer.domain.SmtpMailboxes;
import io.graphmailer.standin.GraphStandin;
import io.graphmailer.standin.IdentityPlatformStandin;
import io.graphmailer.standin.Standins;
import io.graphmailer.support.Azurite;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

/**
 * Delegated mailboxes on the Graph transport against the Graph stand-in, with tokens from a device code sign-in on the
 * identity stand-in kept in the encrypted store: /me/sendMail, a shared mailbox with Mail.Send.Shared and Send As, and
 * app-only mailboxes beside them unchanged.
 */
class GraphDelegatedSendTest {
    static final String PUBLIC_CLIENT_ID = DelegatedGraphFixture.PUBLIC_CLIENT_ID;
    static final String ALICE = DelegatedGraphFixture.ALICE;
    static final String HELPDESK = "helpdesk@contoso.test";
    private final DelegatedMailboxes delegated = DelegatedMailboxes.of(List.of(ALICE, HELPDESK + ":" + ALICE));
    private final DelegatedGraphFixture fixture = new DelegatedGraphFixture(delegated);
    private final Standins standins = fixture.standins;
    private final GraphStandin graph = standins.graph();

    @BeforeEach
    void reset() {
        fixture.reset(ALICE, Set.of(DeviceCodeSignIn.GRAPH_MAIL_SEND, DeviceCodeSignIn.GRAPH_MAIL_SEND_SHARED), ALICE, HELPDESK);
    }

    private BlobTokenCacheStore store() {
        return fixture.store();
    }

    private void signIn(String mailbox) {
        new DeviceCodeSignIn(delegated, SmtpMailboxes.NONE, store(), standins.identity().baseUrl(), Standins.TENANT_ID, PUBLIC_CLIENT_ID,
                Clock.systemUTC()).signIn(new Mailbox(mailbox), prompt -> standins.identity().delegated().approve(prompt.userCode(), ALICE));
    }

    private GraphMailSender sender() {
        return fixture.sender();
    }

    private static SendMailCommand command(String mailbox) {
        EmailMessage m = new EmailMessage("Invoice 7", BodyType.TEXT, "hello", List.of(new EmailAddress("ops@fabrikam.example", null)),
                List.of(), List.of(), List.of(), null, Importance.NORMAL, List.of(), List.of(), List.of(), false, false);
        return new SendMailCommand(new Mailbox(mailbox), m, true, MailLimits.DEFAULT);
    }

    @Test
    void givenADelegatedMailbox_thenItSendsThroughMeWithTheSignedInAccountsToken() {
        signIn(ALICE);

        sender().send(command(ALICE), "t-1");

        assertThat(graph.requests()).anySatisfy(r -> {
            assertThat(r.path()).isEqualTo("/v1.0/me/sendMail");
            assertThat(r.status()).isEqualTo(202);
        });
        assertThat(graph.acceptedMessages(ALICE)).singleElement().satisfies(m -> assertThat(m.appId()).isEqualTo(PUBLIC_CLIENT_ID));
    }

    @Test
    void givenASharedMailboxTheAccountMaySendAs_thenItSendsThroughUsersWithMailSendShared() {
        graph.grantSendAs(HELPDESK, ALICE);
        signIn(HELPDESK);

        sender().send(command(HELPDESK), "t-2");

        assertThat(graph.requests()).anySatisfy(r -> assertThat(r.path()).isEqualTo("/v1.0/users/helpdesk%40contoso.test/sendMail"));
        assertThat(graph.acceptedMessages(HELPDESK)).singleElement().satisfies(m -> assertThat(m.appId()).isEqualTo(PUBLIC_CLIENT_ID));
    }

    @Test
    void givenADelegatedMailboxAndAnAttachmentByReference_thenItIsRefusedNamingWhyBeforeAnyGraphCall() {
        signIn(ALICE);
        io.graphmailer.domain.Attachment big = io.graphmailer.domain.Attachment.byReference("big.bin", "application/octet-stream",
                new io.graphmailer.domain.AttachmentReference(java.net.URI.create("https://account.blob.core.windows.net/mail-attachments/big.bin"),
                        5_000_000), false, null);
        EmailMessage m = new EmailMessage("Large file", BodyType.TEXT, "see attached", List.of(new EmailAddress("ops@fabrikam.example", null)),
                List.of(), List.of(), List.of(), null, Importance.NORMAL, List.of(), List.of(big), List.of(), false, false);
        int before = graph.requests().size();

        MailTransportException e = catchThrowableOfType(MailTransportException.class,
                () -> sender().send(new SendMailCommand(new Mailbox(ALICE), m, true, MailLimits.DEFAULT), "t-ref"));

        assertThat(e.kind()).isEqualTo(MailTransportException.Kind.REJECTED);
        assertThat(e.code()).isEqualTo("DelegatedAttachmentByReference");
        assertThat(e.getMessage()).contains(ALICE).contains("Mail.ReadWrite");
        assertThat(graph.requests()).as("no draft made with the app's token").hasSize(before);
    }

    @Test
    void givenASharedMailboxWithoutSendAs_thenTheErrorNamesTheAccountAndTheCommand() {
        signIn(HELPDESK);

        MailTransportException e = catchThrowableOfType(MailTransportException.class, () -> sender().send(command(HELPDESK), "t-3"));

        assertThat(e.code()).isEqualTo("ErrorSendAsDenied");
        assertThat(e).as("queued mail waits for the fix instead of being dead-lettered")
                .isInstanceOf(io.graphmailer.domain.SignInRequiredException.class);
        assertThat(e.getMessage()).contains("delegated mailbox " + HELPDESK).contains(ALICE)
                .contains("Add-RecipientPermission -Identity " + HELPDESK + " -Trustee " + ALICE + " -AccessRights SendAs");
        assertThat(graph.acceptedMessages(HELPDESK)).isEmpty();
    }

    @Test
    void givenAnAppOnlyMailboxBesideDelegatedOnes_thenItStillSendsAsTheApp() {
        sender().send(command(Standins.MAILBOX), "t-4");

        assertThat(graph.acceptedMessages(Standins.MAILBOX)).singleElement().satisfies(m -> assertThat(m.appId()).isEqualTo(Standins.CLIENT_ID));
        assertThat(graph.requests()).noneSatisfy(r -> assertThat(r.path()).contains("/me/"));
    }
}
