package io.graphmailer.adapter.in.functions;

import io.graphmailer.adapter.in.http.Caller;
import io.graphmailer.domain.delivery.NonDeliveryReportTest;
import io.graphmailer.standin.Standins;
import io.graphmailer.support.AzuriteResource;
import io.graphmailer.support.SendMailBodies;
import io.graphmailer.support.StandinsResource;
import io.graphmailer.support.TestTokens;
import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.path.json.JsonPath;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.List;
import java.util.Map;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Bounces on: the timer's tick reads the mailbox's Inbox in the Graph stand-in (Mail.Read granted) and an NDR that
 * answers a message sent a moment before marks its record bounced with the NDR's status code.
 */
@QuarkusTest
@WithTestResource(value = StandinsResource.class, initArgs = @ResourceArg(name = "graphRoles", value = "Mail.Send,Mail.Read"))
@WithTestResource(value = AzuriteResource.class, initArgs = @ResourceArg(name = "name", value = "bounces"))
@WithTestResource(BouncesTest.BouncesOn.class)
class BouncesTest {
    public static class BouncesOn implements QuarkusTestResourceLifecycleManager {
        @Override
        public Map<String, String> start() {
            return Map.of("graph-mailer.delivery-log.bounces", "true");
        }

        @Override
        public void stop() {
        }
    }

    private final Standins standins = Standins.shared();

    @BeforeEach
    void setUp() {
        standins.reset();
        StandinsResource world = new StandinsResource();
        world.init(Map.of("graphRoles", "Mail.Send,Mail.Read")); // as the class's resource: Mail.Read lets the app read bodies
        world.prepare(standins);
    }

    private static String tick(Instant now) {
        return """
                {"Data":{"timer":{"Schedule":{"AdjustForDST":true},"ScheduleStatus":{"Last":"%s","Next":"%s","LastUpdated":"%s"},
                  "IsPastDue":false}},"Metadata":{"sys":{"MethodName":"NotificationJobs","UtcNow":"%s"}}}
                """.formatted(now.minusSeconds(60), now.plusSeconds(60), now.minusSeconds(60), now);
    }

    @Test
    void givenAnNdrAnsweringASentMessage_thenTheTickMarksItsRecordBouncedWithTheStatusCode() {
        String trackingId = given().header("Authorization", TestTokens.bearer()).contentType(ContentType.JSON).body(SendMailBodies.minimal())
                .when().post("/api/users/" + standins.mailbox() + "/sendMail").then().statusCode(202).extract().jsonPath().getString("trackingId");
        String messageId = standins.graph().acceptedMessages().get(0).json().path("message").path("internetMessageId").asText();
        assertThat(messageId).startsWith("<" + trackingId + "@");
        standins.graph().deliverToInbox(standins.mailbox(), Instant.now(), NonDeliveryReportTest.fixture(
                "exchange-online-5.1.1-recipient-not-found.html", messageId.substring(1, messageId.length() - 1), standins.mailbox()));
        // Another NDR naming a message graph-mailer never sent changes nothing.
        standins.graph().deliverToInbox(standins.mailbox(), Instant.now(), NonDeliveryReportTest.fixture(
                "exchange-online-5.1.90-sending-limit.html", "00000000-1111-2222-3333-444444444444@contoso.test", standins.mailbox()));

        given().contentType(ContentType.JSON).body(tick(Instant.now())).when().post("/NotificationJobs").then().statusCode(200);

        String admin = "Bearer " + TestTokens.sign(TestTokens.builder(TestTokens.ISSUER, TestTokens.AUDIENCE, List.of(Caller.ADMIN_ROLE),
                Instant.now().plusSeconds(3600)));
        JsonPath r = given().header("Authorization", admin).when().get("/api/sends/" + trackingId).then().statusCode(200).extract().jsonPath();
        assertThat(r.getString("state")).isEqualTo("bounced");
        assertThat(r.getList("history.state", String.class)).containsExactly("accepted", "sending", "sent", "bounced");
        assertThat(r.getString("history[3].reason")).isEqualTo("5.1.1");
        given().header("Authorization", admin).when().get("/api/sends/00000000-1111-2222-3333-444444444444").then().statusCode(404);

        // A second tick reads from where the first stopped: the record is not marked twice.
        given().contentType(ContentType.JSON).body(tick(Instant.now())).when().post("/NotificationJobs").then().statusCode(200);
        assertThat(given().header("Authorization", admin).when().get("/api/sends/" + trackingId).then().extract().jsonPath()
                .getList("history.state", String.class)).containsExactly("accepted", "sending", "sent", "bounced");
    }
}
