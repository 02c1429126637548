package io.graphmailer.adapter.in.http;

import com.azure.data.tables.TableClientBuilder;
import com.azure.data.tables.models.TableEntity;
import com.azure.storage.queue.QueueClient;
import io.graphmailer.adapter.out.identity.DeviceCodeSignIn;
import io.graphmailer.standin.Standins;
import io.graphmailer.support.Azurite;
import io.graphmailer.support.AzuriteResource;
import io.graphmailer.support.DelegatedResource;
import io.graphmailer.support.FunctionsHostDriver;
import io.graphmailer.support.HostDelivery;
import io.graphmailer.support.SendMailBodies;
import io.graphmailer.support.StandinsResource;
import io.graphmailer.support.TestTokens;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.path.json.JsonPath;
import io.restassured.response.ExtractableResponse;
import io.restassured.response.Response;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.time.Duration;
import java.util.Set;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * An HTTP send as a delegated mailbox that nobody signed in: 503 {@code MailboxSignInRequired} naming the mailbox, the
 * cause and the command, as a problem or in Graph's error envelope; with {@code Prefer: respond-async} it is queued
 * (Azurite) and waits there for the sign-in.
 */
@QuarkusTest
@WithTestResource(StandinsResource.class)
@WithTestResource(value = AzuriteResource.class, initArgs = @ResourceArg(name = "name", value = "signinhttp"))
@WithTestResource(value = DelegatedResource.class, initArgs = {@ResourceArg(name = "name", value = "signinhttp"),
        @ResourceArg(name = "enqueue", value = "queue")})
class MailboxSignInRequiredTest {
    private static final String MAILBOX = DelegatedResource.NEVER_SIGNED_IN;
    private static final String QUEUE = AzuriteResource.queueName("signinhttp");

    @TestHTTPResource("/OutboxQueue")
    URI handler;

    private final Standins standins = Standins.shared();
    private QueueClient outbox;

    @BeforeEach
    void setUp() {
        standins.reset();
        new StandinsResource().prepare(standins);
        DelegatedResource.prepare(standins, Set.of(DeviceCodeSignIn.GRAPH_MAIL_SEND));
        outbox = FunctionsHostDriver.Queues.empty(Azurite.shared().connectionString(), QUEUE).outbox();
    }

    private static ExtractableResponse<Response> send(String accept, String prefer) {
        var request = given().header("Authorization", TestTokens.bearer()).contentType(ContentType.JSON).body(SendMailBodies.minimal());
        if (accept != null) {
            request.accept(accept);
        }
        if (prefer != null) {
            request.header("Prefer", prefer);
        }
        return request.when().post("/api/v1.0/users/" + MAILBOX + "/sendMail").then().extract();
    }

    @Test
    void givenADelegatedMailboxNobodySignedIn_thenAProblem503NamingTheMailboxTheCauseAndTheCommand() {
        ExtractableResponse<Response> r = send(Problem.MEDIA_TYPE, null);

        assertThat(r.statusCode()).isEqualTo(503);
        assertThat(r.contentType()).startsWith(Problem.MEDIA_TYPE);
        JsonPath p = r.jsonPath();
        assertThat(p.getString("type")).endsWith("/mailbox-sign-in-required");
        assertThat(p.getString("detail")).startsWith("delegated mailbox " + MAILBOX + ": no sign-in is stored")
                .endsWith("Run: graph-mailer signin " + MAILBOX);
        assertThat(p.getString("errors[0].field")).isEqualTo("mailbox");
        assertThat(p.getString("errors[0].message")).contains("NotSignedIn").contains("graph-mailer signin " + MAILBOX);
        assertThat(p.getString("error.code")).isEqualTo("MailboxSignInRequired");
        assertThat(standins.graph().sendMailRequests()).isZero();
    }

    @Test
    void givenAGraphClient_thenGraphsErrorEnvelopeCarriesMailboxSignInRequiredAndTheCommand() {
        ExtractableResponse<Response> r = send("application/json", null);

        assertThat(r.statusCode()).isEqualTo(503);
        assertThat(r.contentType()).startsWith("application/json");
        assertThat(r.jsonPath().getString("error.code")).isEqualTo("MailboxSignInRequired");
        assertThat(r.jsonPath().getString("error.message")).contains(MAILBOX).endsWith("Run: graph-mailer signin " + MAILBOX);
        assertThat(r.header("Retry-After")).as("only a person ends the wait").isNull();
    }

    @Test
    void givenPreferRespondAsync_thenItIsQueuedAndWaitsForTheSignInInsteadOfFailing() throws Exception {
        ExtractableResponse<Response> r = send(null, "respond-async");
        assertThat(r.statusCode()).isEqualTo(202);
        String trackingId = r.jsonPath().getString("trackingId");

        assertThat(HostDelivery.deliverOnce(outbox, handler, Duration.ofSeconds(10))).as("delivered from the queue").isNotNull();

        assertThat(standins.graph().sendMailRequests()).isZero();
        assertThat(HostDelivery.deliverOnce(outbox, handler, Duration.ofSeconds(10))).as("back on the queue, waiting").isNotNull();
        TableEntity entry = waitingEntry(trackingId);
        assertThat(entry.getProperty("State")).isEqualTo("WAITING");
        assertThat(entry.getProperty("WaitingFor")).isEqualTo("sign-in");
        assertThat((String) entry.getProperty("Detail")).contains("Run: graph-mailer signin " + MAILBOX);
    }

    /** The ledger entry of the queued message (its key is derived; the tracking id comes from it). */
    private static TableEntity waitingEntry(String trackingId) {
        var table = new TableClientBuilder().connectionString(Azurite.shared().connectionString())
                .tableName(AzuriteResource.ledgerTable("signinhttp")).buildClient();
        for (TableEntity e : table.listEntities()) {
            if (trackingId.equals(e.getProperty("TrackingId"))) {
                return e;
            }
        }
        throw new AssertionError("no ledger entry with tracking id " + trackingId);
    }
}
