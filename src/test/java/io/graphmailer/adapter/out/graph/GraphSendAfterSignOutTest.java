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
import io.graphmailer.application.DelegatedSignInService;
import io.graphmailer.domain.BodyType;
import io.graphmailer.domain.DelegatedMailboxes;
import io.graphmailer.domain.EmailAddress;
import io.graphmailer.domain.EmailMessage;
import io.graphmailer.domain.Importance;
import io.graphmailer.domain.MailLimits;
import io.graphmailer.domain.Mailbox;
import io.graphmailer.domain.SendMailCommand;
import io.graphmailer.domain.SignInRequiredException;
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
 * signin, a send, signout, a send again: on the Graph transport against the Graph stand-in, with the sign-in use case
 * the command line calls (device code on the identity stand-in, the encrypted store on Azurite).
 */
class GraphSendAfterSignOutTest {
    static final String PUBLIC_CLIENT_ID = DelegatedGraphFixture.PUBLIC_CLIENT_ID;
    static final String ALICE = DelegatedGraphFixture.ALICE;
    private final DelegatedMailboxes delegated = DelegatedMailboxes.of(List.of(ALICE));
    private final DelegatedGraphFixture fixture = new DelegatedGraphFixture(delegated);
    private final Standins standins = fixture.standins;
    private final GraphStandin graph = standins.graph();

    @BeforeEach
    void reset() {
        fixture.reset(ALICE, Set.of(DeviceCodeSignIn.GRAPH_MAIL_SEND), ALICE);
    }

    private BlobTokenCacheStore store() {
        return fixture.store();
    }

    private DelegatedSignInService signIns() {
        BlobTokenCacheStore store = store();
        DeviceCodeSignIn signIn = new DeviceCodeSignIn(delegated, SmtpMailboxes.NONE, store, standins.identity().baseUrl(), Standins.TENANT_ID,
                PUBLIC_CLIENT_ID, Clock.systemUTC());
        return new DelegatedSignInService(delegated, () -> signIn, () -> store);
    }

    /** A fresh process's Graph transport (so no token is held from before). */
    private GraphMailSender sender() {
        return fixture.sender();
    }

    private static SendMailCommand command() {
        EmailMessage m = new EmailMessage("Invoice 7", BodyType.TEXT, "hello", List.of(new EmailAddress("ops@fabrikam.example", null)),
                List.of(), List.of(), List.of(), null, Importance.NORMAL, List.of(), List.of(), List.of(), false, false);
        return new SendMailCommand(new Mailbox(ALICE), m, true, MailLimits.DEFAULT);
    }

    @Test
    void givenASignInThenASignOut_thenTheNextSendIsRefusedAsSignInRequiredNamingTheCommand() {
        signIns().signIn(ALICE, prompt -> assertThat(standins.identity().delegated().approve(prompt.userCode(), ALICE)).isTrue());
        sender().send(command(), "t-1");
        assertThat(graph.acceptedMessages(ALICE)).hasSize(1);

        assertThat(signIns().signOut(ALICE)).isTrue();

        SignInRequiredException e = catchThrowableOfType(SignInRequiredException.class, () -> sender().send(command(), "t-2"));
        assertThat(e.mailbox()).isEqualTo(new Mailbox(ALICE));
        assertThat(e.command()).isEqualTo("graph-mailer signin " + ALICE);
        assertThat(e.getMessage()).endsWith("Run: graph-mailer signin " + ALICE);
        assertThat(graph.acceptedMessages(ALICE)).hasSize(1);
        assertThat(signIns().signOut(ALICE)).as("signing out again finds nothing, which is not an error").isFalse();
    }
}
