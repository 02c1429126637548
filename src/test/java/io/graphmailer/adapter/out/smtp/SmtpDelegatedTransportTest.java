package io.graphmailer.adapter.out.smtp;

import io.graphmailer.adapter.out.identity.BlobTokenCacheStore;
import io.graphmailer.adapter.out.identity.DeviceCodeSignIn;
import io.graphmailer.domain.DelegatedMailboxes;
import io.graphmailer.domain.Mailbox;
import io.graphmailer.domain.SmtpMailboxes;
import io.graphmailer.standin.SmtpStandin;
import io.graphmailer.standin.Standins;
import io.graphmailer.support.AzuriteResource;
import io.graphmailer.support.DelegatedResource;
import io.graphmailer.support.SendMailBodies;
import io.graphmailer.support.StandinsResource;
import io.graphmailer.support.TestTokens;
import io.graphmailer.support.TokenCacheStores;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import jakarta.inject.Inject;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.time.Clock;
import java.util.List;
import java.util.Set;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The app as configured: a delegated mailbox on the SMTP list logs in to the SMTP stand-in with the signed-in account's
 * SMTP.Send token from the store on Azurite (never the app's token); signed out, the HTTP send is 503
 * MailboxSignInRequired.
 */
@QuarkusTest
@WithTestResource(StandinsResource.class)
@WithTestResource(value = AzuriteResource.class, initArgs = @ResourceArg(name = "name", value = "smtpdelegated"))
@WithTestResource(value = DelegatedResource.class, initArgs = {@ResourceArg(name = "name", value = "smtpdelegated"),
        @ResourceArg(name = "smtp", value = "true")})
@org.junit.jupiter.api.TestMethodOrder(org.junit.jupiter.api.MethodOrderer.OrderAnnotation.class)
class SmtpDelegatedTransportTest {
    private static final String MAILBOX = DelegatedResource.MAILBOX;
    private final Standins standins = Standins.shared();
    private final SmtpStandin smtp = SmtpStandin.shared();

    @Inject
    SmtpMailSender smtpSender;

    @BeforeEach
    void reset() {
        standins.reset();
        new StandinsResource().prepare(standins);
        DelegatedResource.prepare(standins, Set.of(DeviceCodeSignIn.SMTP_SEND));
        smtp.reset();
        smtpSender.close();
        store().delete(new Mailbox(MAILBOX));
    }

    private static BlobTokenCacheStore store() {
        return TokenCacheStores.at(DelegatedResource.containerUrl("smtpdelegated"));
    }

    private static io.restassured.response.Response send() {
        return given().header("Authorization", TestTokens.bearer()).contentType(ContentType.JSON).body(SendMailBodies.minimal())
                .when().post("/api/users/" + MAILBOX + "/sendMail");
    }

    @Test
    @org.junit.jupiter.api.Order(2)
    void givenASignedInDelegatedSmtpMailbox_thenTheAppLogsInWithTheAccountsSmtpSendToken() {
        new DeviceCodeSignIn(DelegatedMailboxes.of(List.of(MAILBOX)), SmtpMailboxes.of(List.of(MAILBOX)), store(),
                standins.identity().baseUrl(), Standins.TENANT_ID, DelegatedResource.PUBLIC_CLIENT_ID, Clock.systemUTC())
                .signIn(new Mailbox(MAILBOX), prompt -> standins.identity().delegated().approve(prompt.userCode(), MAILBOX));

        send().then().statusCode(202);

        assertThat(smtp.auths()).singleElement().satisfies(a -> {
            assertThat(a.succeeded()).isTrue();
            assertThat(a.user()).isEqualTo(MAILBOX);
            assertThat(a.appId()).isEqualTo(DelegatedResource.PUBLIC_CLIENT_ID);
            assertThat(a.scopes()).containsExactly(SmtpStandin.SMTP_SEND);
        });
        assertThat(smtp.received()).singleElement().satisfies(r -> assertThat(r.from()).isEqualTo(MAILBOX));
        assertThat(standins.graph().acceptedMessages()).isEmpty();
    }

    /** First: the running app holds no token of the mailbox yet (a process keeps a held token until it expires). */
    @Test
    @org.junit.jupiter.api.Order(1)
    void givenTheDelegatedSmtpMailboxSignedOut_thenTheSendIs503MailboxSignInRequiredAndNoLogin() {
        send().then().statusCode(503);

        assertThat(smtp.auths()).isEmpty();
        assertThat(smtp.received()).isEmpty();
    }
}
