package io.graphmailer.adapter.in.http;

import io.graphmailer.support.BudgetResource;
import io.graphmailer.support.TestTokens;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.path.json.JsonPath;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;

/** GET /api/mailboxes and the doctor's daily recipient check, on the app's own budget (limits from {@link BudgetResource}). */
@QuarkusTest
@WithTestResource(BudgetResource.class)
class MailboxesApiTest {

    private static String recipients(int n) {
        StringBuilder to = new StringBuilder();
        for (int i = 0; i < n; i++) {
            to.append(i == 0 ? "" : ",").append("{\"emailAddress\":{\"address\":\"r").append(i).append("@fabrikam.example\"}}");
        }
        return "{\"message\":{\"subject\":\"s\",\"body\":{\"contentType\":\"text\",\"content\":\"c\"},\"toRecipients\":[" + to + "]}}";
    }

    private static void send(String mailbox, int recipientCount) {
        given().header("Authorization", TestTokens.bearer()).contentType(ContentType.JSON).body(recipients(recipientCount))
                .when().post("/api/users/" + mailbox + "/sendMail").then().statusCode(202);
    }

    private static Map<String, Object> mailbox(JsonPath json, String mailbox) {
        return json.getMap("find { it.mailbox == '" + mailbox + "' }");
    }

    private static Map<String, Object> doctorCheck(String mailbox) {
        JsonPath json = given().header("Authorization", TestTokens.bearer()).when().get("/api/doctor").then().extract().jsonPath();
        return json.getMap("checks.find { it.name == 'daily recipient budget of " + mailbox + "' }");
    }

    @Test
    void givenSends_thenEachAllowedMailboxListsItsLimitsUseNowAndNextFreeSlots() {
        send(BudgetResource.LISTED, 1);

        JsonPath json = given().header("Authorization", TestTokens.bearer()).when().get("/api/mailboxes")
                .then().statusCode(200).contentType(ContentType.JSON).extract().jsonPath();

        assertThat(json.getList("mailbox")).contains("noreply@contoso.example", BudgetResource.LISTED, BudgetResource.NEARLY_FULL);
        Map<String, Object> graph = mailbox(json, BudgetResource.LISTED);
        assertThat(graph.get("transport")).isEqualTo("graph");
        assertThat(json.getInt("find { it.mailbox == '" + BudgetResource.LISTED + "' }.limits.graphRequestsPerTenMinutes")).isEqualTo(1);
        assertThat(json.getInt("find { it.mailbox == '" + BudgetResource.LISTED + "' }.limits.concurrentSends")).isEqualTo(4);
        assertThat(json.getInt("find { it.mailbox == '" + BudgetResource.LISTED + "' }.use.graphRequestsLastTenMinutes")).isEqualTo(1);
        assertThat(json.getInt("find { it.mailbox == '" + BudgetResource.LISTED + "' }.use.inFlight")).isZero();
        assertThat(json.getInt("find { it.mailbox == '" + BudgetResource.LISTED + "' }.use.messagesLastMinute")).isGreaterThanOrEqualTo(1);
        // Its one Graph request per 10 minutes is taken: the next one frees at a time; the other limits are free now.
        assertThat(json.getString("find { it.mailbox == '" + BudgetResource.LISTED + "' }.nextFree.graphRequestsPerTenMinutes"))
                .matches("\\d{4}-\\d\\d-\\d\\dT.*Z");
        assertThat(json.getString("find { it.mailbox == '" + BudgetResource.LISTED + "' }.nextFree.concurrentSends")).isNull();
    }

    @Test
    void givenNoCallerToken_thenTheMailboxListIsRefused() {
        given().when().get("/api/mailboxes").then().statusCode(401);
    }

    @Test
    void givenEightyPercentOfTheDailyRecipientBudgetUsed_thenTheDoctorWarnsAndAtOneHundredItFailsNamingTheTime() {
        // recipients-per-day=510 less the margin of 500: 10 recipients.
        send(BudgetResource.NEARLY_FULL, 8);
        Map<String, Object> warn = doctorCheck(BudgetResource.NEARLY_FULL);
        assertThat(warn.get("status")).isEqualTo("WARN");
        assertThat((String) warn.get("detail")).contains("8 of 10 recipients");

        send(BudgetResource.NEARLY_FULL, 2);
        Map<String, Object> fail = doctorCheck(BudgetResource.NEARLY_FULL);
        assertThat(fail.get("status")).isEqualTo("FAIL");
        assertThat((String) fail.get("detail")).contains("10 of 10 recipients").containsPattern("until \\d{4}-\\d\\d-\\d\\dT");
        given().header("Authorization", TestTokens.bearer()).when().get("/api/doctor").then().statusCode(503);
    }
}
