package io.graphmailer.adapter.in.functions;

import io.graphmailer.support.JobsFeedResource;
import io.graphmailer.support.Outbox;
import io.graphmailer.support.TestTokens;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.path.json.JsonPath;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.List;
import java.util.Map;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * A job's messages in the test profile (outbox transport, jobs sent directly, no storage): the in-memory delivery log,
 * as in {@code ./mvnw quarkus:dev}, has one record per message with trigger job, accepted when enqueued, then sent.
 */
@QuarkusTest
@QuarkusTestResource(value = JobsFeedResource.class, restrictToAnnotatedClass = true)
class JobDeliveryRecordsTest {

    private static String admin() {
        return "Bearer " + TestTokens.sign(TestTokens.builder(TestTokens.ISSUER, TestTokens.AUDIENCE, List.of("GraphMailer.Admin"),
                Instant.now().plusSeconds(3600)));
    }

    @Test
    void givenAJobRun_thenEachMessageHasAJobRecordAcceptedThenSentOnceInTheEmbeddedStore() {
        Outbox.clear();
        given().header("Authorization", TestTokens.bearer()).when().post("/api/jobs/reminder/run?at=2025-04-07T07:00:00Z")
                .then().statusCode(202);
        assertThat(Outbox.files()).hasSize(3);

        JsonPath page = given().header("Authorization", admin()).queryParam("pageSize", 100).when().get("/api/sends")
                .then().statusCode(200).extract().jsonPath();
        List<Map<String, Object>> jobs = page.<Map<String, Object>>getList("value").stream()
                .filter(r -> "job".equals(r.get("trigger")) && String.valueOf(r.get("idempotencyKey")).contains("2025-04-07")).toList();
        assertThat(jobs).hasSize(3);
        for (Map<String, Object> r : jobs) {
            assertThat(r.get("state")).isEqualTo("sent");
            assertThat(r.get("callerApp")).isNull();
            JsonPath one = given().header("Authorization", admin()).when().get("/api/sends/" + r.get("trackingId"))
                    .then().statusCode(200).extract().jsonPath();
            assertThat(one.getList("history.state", String.class)).containsExactly("accepted", "sending", "sent");
            assertThat(one.getString("history[0].reason")).isEqualTo("JOB");
            assertThat(one.getString("graphRequestId")).as("the outbox has no Graph request").isNull();
        }
        // A job's records name no app: a sender's token sees none of them.
        List<Object> visible = given().header("Authorization", TestTokens.bearer()).queryParam("pageSize", 100).when().get("/api/sends")
                .then().statusCode(200).extract().jsonPath().getList("value.trackingId");
        assertThat(visible).doesNotContainAnyElementsOf(jobs.stream().map(r -> r.get("trackingId")).toList());
    }
}
