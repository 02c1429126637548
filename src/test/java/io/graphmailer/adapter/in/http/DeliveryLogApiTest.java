package io.graphmailer.adapter.in.http;

import io.graphmailer.domain.TrackingId;
import io.graphmailer.standin.GraphStandin;
import io.graphmailer.standin.Standins;
import io.graphmailer.support.Azurite;
import io.graphmailer.support.AzuriteResource;
import io.graphmailer.support.FunctionsHostDriver;
import io.graphmailer.support.SendMailBodies;
import io.graphmailer.support.StandinsResource;
import io.graphmailer.support.TestTokens;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.path.json.JsonPath;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.equalTo;

/**
 * The delivery log through the real app: sends over HTTP and the queue (Graph stand-in, Azurite's table and queue) leave
 * records that {@code /api/sends} returns, each caller seeing only its own app's unless it holds GraphMailer.Admin.
 */
@QuarkusTest
@WithTestResource(StandinsResource.class)
@WithTestResource(value = AzuriteResource.class, initArgs = @ResourceArg(name = "name", value = "deliverylog"))
class DeliveryLogApiTest {
    private static final String QUEUE = AzuriteResource.queueName("deliverylog");
    private static final String OTHER_APP = "12121212-3434-5656-7878-909090909090";

    @TestHTTPResource("/OutboxQueue")
    URI handler;

    private final Standins standins = Standins.shared();

    @BeforeEach
    void setUp() {
        standins.reset();
        new StandinsResource().prepare(standins);
    }

    private static String token(String app, List<String> roles) {
        return "Bearer " + TestTokens.sign(TestTokens.builder(TestTokens.ISSUER, TestTokens.AUDIENCE, roles, Instant.now().plusSeconds(3600))
                .subject(app).claim("azp", app));
    }

    private static String admin() {
        return token(OTHER_APP, List.of(Caller.ADMIN_ROLE));
    }

    private String send(String authorization) {
        return given().header("Authorization", authorization).contentType(ContentType.JSON).body(SendMailBodies.minimal())
                .when().post("/api/users/" + standins.mailbox() + "/sendMail")
                .then().statusCode(202).extract().jsonPath().getString("trackingId");
    }

    private static JsonPath record(String authorization, String trackingId) {
        return given().header("Authorization", authorization).when().get("/api/sends/" + trackingId)
                .then().statusCode(200).contentType("application/json").extract().jsonPath();
    }

    @Test
    void givenAnHttpSend_thenItsRecordHasTheFactsTheHistoryAndGraphsRequestId() {
        String trackingId = send(TestTokens.bearer());

        JsonPath r = record(TestTokens.bearer(), trackingId);
        assertThat(r.getString("trackingId")).isEqualTo(trackingId);
        assertThat(r.getString("state")).isEqualTo("sent");
        assertThat(r.getString("trigger")).isEqualTo("http");
        assertThat(r.getString("callerApp")).isEqualTo(TestTokens.CALLER_APP);
        assertThat(r.getString("mailbox")).isEqualTo(standins.mailbox());
        assertThat(r.getInt("recipientCount")).isEqualTo(1);
        assertThat(r.getLong("sizeBytes")).isPositive();
        assertThat(r.getString("idempotencyKey")).isNull();
        // Only facts: no subject, no body, and no addresses unless GRAPH_MAILER_DELIVERY_LOG_RECORD_RECIPIENTS asks.
        assertThat(r.getMap("$")).doesNotContainKeys("recipients", "subject", "body", "message");
        assertThat(r.getList("history.state", String.class)).containsExactly("accepted", "sending", "sent");
        GraphStandin.AcceptedMessage accepted = standins.graph().acceptedMessages().get(0);
        assertThat(r.getString("graphRequestId")).isEqualTo(accepted.requestId()).isNotEqualTo(trackingId);
    }

    @Test
    void givenAnotherAppsTrackingId_then404AsForAnUnknownOneAndTheListLeavesItOut() {
        String trackingId = send(TestTokens.bearer());
        String otherApp = token(OTHER_APP, List.of(TestTokens.ROLE));

        String unknownId = UUID.randomUUID().toString();
        JsonPath mine = given().header("Authorization", otherApp).accept("application/problem+json").when().get("/api/sends/" + trackingId)
                .then().statusCode(404).contentType("application/problem+json").extract().jsonPath();
        JsonPath unknown = given().header("Authorization", otherApp).accept("application/problem+json")
                .when().get("/api/sends/" + unknownId).then().statusCode(404).extract().jsonPath();
        // The same answer as for an id nobody sent: nothing tells the other app that the message exists.
        for (String field : List.of("type", "title", "status", "error.code")) {
            assertThat(mine.getString(field)).as(field).isEqualTo(unknown.getString(field));
        }
        assertThat(mine.getString("detail").replace(trackingId, "<id>")).isEqualTo(unknown.getString("detail").replace(unknownId, "<id>"));

        List<String> listed = given().header("Authorization", otherApp).when().get("/api/sends?pageSize=100")
                .then().statusCode(200).extract().jsonPath().getList("value.trackingId", String.class);
        assertThat(listed).doesNotContain(trackingId);
    }

    @Test
    void givenAnAdminOnlyToken_thenItReadsEveryAppsRecordsButCannotSend() {
        String trackingId = send(TestTokens.bearer());

        assertThat(record(admin(), trackingId).getString("callerApp")).isEqualTo(TestTokens.CALLER_APP);
        given().header("Authorization", admin()).accept("application/problem+json").contentType(ContentType.JSON)
                .body(SendMailBodies.minimal())
                .when().post("/api/users/" + standins.mailbox() + "/sendMail")
                .then().statusCode(403).contentType("application/problem+json").body("errors[0].field", equalTo("Authorization"));
        // Twice: the second answer comes from the verified-token cache, which must not skip the send role's check.
        given().header("Authorization", admin()).contentType(ContentType.JSON).body(SendMailBodies.minimal())
                .when().post("/api/v1.0/users/" + standins.mailbox() + "/sendMail").then().statusCode(403);
        assertThat(standins.graph().sendMailRequests()).isEqualTo(1);
    }

    @Test
    void givenAForgedOrMisClaimedAdminToken_thenTheReadRoutesRefuseIt() {
        String trackingId = send(TestTokens.bearer());
        String forged = "Bearer " + TestTokens.builder(TestTokens.ISSUER, TestTokens.AUDIENCE, List.of(Caller.ADMIN_ROLE),
                Instant.now().plusSeconds(600)).subject(OTHER_APP).claim("azp", OTHER_APP).jws().keyId("test-caller-key")
                .sign(TestTokens.otherKey());
        given().header("Authorization", forged).when().get("/api/sends/" + trackingId).then().statusCode(401);
        // The admin role in a claim other than roles (scp, groups) is no role.
        String misClaimed = "Bearer " + TestTokens.sign(TestTokens.builder(TestTokens.ISSUER, TestTokens.AUDIENCE, List.of(),
                Instant.now().plusSeconds(600)).subject(OTHER_APP).claim("azp", OTHER_APP).claim("scp", Caller.ADMIN_ROLE)
                .claim("groups", List.of(Caller.ADMIN_ROLE)));
        given().header("Authorization", misClaimed).when().get("/api/sends").then().statusCode(403);
        given().header("Authorization", misClaimed).when().get("/api/sends/" + trackingId).then().statusCode(403);
        // A send-role token of another app is authenticated but sees nothing of this app's.
        given().header("Authorization", token(OTHER_APP, List.of(TestTokens.ROLE))).when().get("/api/sends/" + trackingId)
                .then().statusCode(404);
    }

    @Test
    void givenBadFilters_then400NamingTheParameter() {
        Map<String, String> bad = Map.of("state", "state=delivered", "since", "since=yesterday", "until",
                "since=2026-12-01T10:00:00Z&until=2026-12-01T09:00:00Z", "pageSize", "pageSize=1000", "pageToken", "pageToken=bogus!",
                "mailbox", "mailbox=not%20a%20mailbox");
        bad.forEach((parameter, query) -> given().header("Authorization", TestTokens.bearer()).accept("application/problem+json")
                .when().get("/api/sends?" + query)
                .then().statusCode(400).contentType("application/problem+json").body("errors[0].field", equalTo(parameter)));
        given().header("Authorization", TestTokens.bearer()).when().get("/api/sends/not-a-tracking-id")
                .then().statusCode(400).body("error.code", equalTo("BadRequest"));
    }

    @Test
    void givenSeveralSends_thenTheListPagesThroughThemAllWithTokens() {
        String app = "34343434-0000-0000-0000-000000000003";
        String caller = token(app, List.of(TestTokens.ROLE));
        Set<String> sent = new HashSet<>();
        for (int i = 0; i < 4; i++) {
            sent.add(send(caller));
        }
        Set<String> listed = new HashSet<>();
        String pageToken = null;
        int pages = 0;
        do {
            var request = given().header("Authorization", caller).queryParam("pageSize", 2).queryParam("state", "sent")
                    .queryParam("mailbox", standins.mailbox()).queryParam("since", Instant.now().minusSeconds(600).toString());
            if (pageToken != null) {
                request.queryParam("pageToken", pageToken);
            }
            JsonPath page = request.when().get("/api/sends").then().statusCode(200).extract().jsonPath();
            List<String> ids = page.getList("value.trackingId", String.class);
            assertThat(ids.size()).isLessThanOrEqualTo(2);
            listed.addAll(ids);
            pageToken = page.getString("nextPageToken");
            pages++;
        } while (pageToken != null && pages < 10);
        assertThat(listed).isEqualTo(sent);
        assertThat(pages).isGreaterThanOrEqualTo(2);
    }

    @Test
    void givenAFailedSend_thenItsRecordIsFailedWithTheErrorCode() {
        standins.graph().disableMailbox(standins.mailbox());
        given().header("Authorization", TestTokens.bearer()).contentType(ContentType.JSON).body(SendMailBodies.minimal())
                .when().post("/api/users/" + standins.mailbox() + "/sendMail").then().statusCode(org.hamcrest.Matchers.greaterThanOrEqualTo(400));

        JsonPath failed = given().header("Authorization", admin()).queryParam("state", "failed")
                .queryParam("since", Instant.now().minusSeconds(60).toString()).queryParam("pageSize", 100)
                .when().get("/api/sends").then().statusCode(200).extract().jsonPath();
        List<String> ids = failed.getList("value.trackingId", String.class);
        assertThat(ids).isNotEmpty();
        JsonPath r = record(admin(), ids.get(0));
        assertThat(r.getList("history.state", String.class)).containsExactly("accepted", "sending", "failed");
        assertThat(r.getString("history[2].reason")).isNotBlank();
        assertThat(r.getString("graphRequestId")).isNull();
    }

    @Test
    void givenAQueueMessage_thenItsRecordHasTriggerQueueAndTheQueueStates() throws Exception {
        var queues = FunctionsHostDriver.Queues.empty(Azurite.shared().connectionString(), QUEUE);
        String key = "deliverylog-" + UUID.randomUUID();
        queues.outbox().sendMessage("{\"version\":1,\"mailbox\":\"" + standins.mailbox() + "\",\"sendMail\":{\"message\":{"
                + "\"subject\":\"q\",\"body\":{\"contentType\":\"text\",\"content\":\"hello\"},"
                + "\"toRecipients\":[{\"emailAddress\":{\"address\":\"ops@fabrikam.example\"}}]}},\"idempotencyKey\":\"" + key + "\"}");
        try (FunctionsHostDriver host = FunctionsHostDriver.fromHostJson(Azurite.shared().connectionString(), QUEUE, handler)) {
            host.drain(Duration.ofSeconds(30));
        }
        JsonPath r = record(admin(), TrackingId.fromIdempotencyKey(key));
        assertThat(r.getString("trigger")).isEqualTo("queue");
        assertThat(r.getString("idempotencyKey")).isEqualTo(key);
        assertThat(r.getString("callerApp")).isNull();
        assertThat(r.getString("state")).isEqualTo("sent");
        assertThat(r.getList("history.state", String.class)).containsExactly("accepted", "sending", "sent");
        assertThat(r.getString("graphRequestId")).isNotBlank();
        // Without the admin role, a record no app sent is nobody's.
        given().header("Authorization", TestTokens.bearer()).when().get("/api/sends/" + TrackingId.fromIdempotencyKey(key))
                .then().statusCode(404);
    }

    @Test
    void givenAHealthyDeployment_thenLivenessAndReadinessAreUpWithoutACallerTokenAndWithoutCallingGraph() {
        given().when().get("/q/health/live").then().statusCode(200).body("status", equalTo("UP"));
        given().when().get("/q/health/ready").then().statusCode(200).body("status", equalTo("UP"))
                .body("checks.find { it.name == 'identity' }.data.certificate", equalTo("loaded"))
                .body("checks.find { it.name == 'storage' }.data.ledger", equalTo("reachable"))
                .body("checks.find { it.name == 'storage' }.data.deliveryLog", equalTo("reachable"));
        // Where the Functions host forwards it (HealthLive, HealthReady), with no Authorization header.
        given().when().get("/api/health/ready").then().statusCode(200).body("status", equalTo("UP"));
        given().when().get("/api/health/live").then().statusCode(200).body("status", equalTo("UP"));
        assertThat(standins.graph().requests()).as("readiness never calls Graph").isEmpty();
        String answer = given().when().get("/api/health/ready").asString();
        assertThat(answer).doesNotContain("eyJ").doesNotContainIgnoringCase("BEGIN ");
    }
}
