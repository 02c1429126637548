package io.graphmailer.adapter.in.functions;

import io.graphmailer.support.JobsFeedResource;
import io.graphmailer.support.LogCapture;
import io.graphmailer.support.Outbox;
import io.graphmailer.support.TestTokens;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import jakarta.mail.BodyPart;
import jakarta.mail.Multipart;
import jakarta.mail.internet.MimeMessage;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.hasSize;

/**
 * Scheduled jobs end to end in the test profile: host timer invocations and the /api/jobs endpoints,
 * with a real local HTTPS feed; job mail goes through the dev/test direct path into the .eml outbox.
 */
@QuarkusTest
@QuarkusTestResource(value = JobsFeedResource.class, restrictToAnnotatedClass = true)
class ScheduledJobsTest {
    /** Monday 6 January 2025, 08:00 in Berlin. */
    private static final String MONDAY_0800_BERLIN = "2025-01-06T07:00:00Z";

    @BeforeEach
    void clean() {
        Outbox.clear();
    }

    /** The timer invocation as the Functions host sends it (PascalCase TimerInfo, sys metadata). */
    private static String timer(String utcNow, String last, boolean pastDue) {
        return """
                {"Data":{"timer":{"Schedule":{"AdjustForDST":true},
                  "ScheduleStatus":{"Last":"%s","Next":"%s","LastUpdated":"%s"},"IsPastDue":%s}},
                 "Metadata":{"sys":{"MethodName":"NotificationJobs","UtcNow":"%s","RandGuid":"0f8fad5b-d9cb-469f-a165-70867728950e"}}}
                """.formatted(last, utcNow, last, pastDue, utcNow);
    }

    private static String subjects() {
        List<String> subjects = new ArrayList<>();
        for (var file : Outbox.files()) {
            try {
                subjects.add(Outbox.read(file).getSubject());
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        }
        return String.join(" | ", subjects.stream().sorted().toList());
    }

    @Test
    void givenTheHostsTimerInvocation_thenDueJobsAreRenderedAndSentOncePerRecipient() {
        String body = timer("2025-01-06T07:00:00.0210000+00:00", "2025-01-06T06:59:00.0096+00:00", false);

        given().contentType(ContentType.JSON).body(body).when().post("/NotificationJobs")
                .then().statusCode(200).contentType(ContentType.JSON)
                .body("ReturnValue.status", equalTo("ok"))
                .body("ReturnValue.failedJobs", hasSize(0))
                .body("Logs", hasItem(containsString("job digest @ 2025-01-06T07:00:00Z: ENQUEUED (1 message(s))")))
                .body("Logs", hasItem(containsString("job reminder @ 2025-01-06T07:00:00Z: ENQUEUED (3 message(s))")));

        assertThat(Outbox.files()).hasSize(4);
        assertThat(subjects()).isEqualTo("Digest 2025-01-06 | Reminder for Alice (<script>alert('x')</script> & Co) | "
                + "Reminder for Bob (Ops) | Reminder for Carol (Sales)");
    }

    @Test
    void givenTheSameTimerInvocationTwice_thenNothingIsSentTwice() {
        // Each test uses its own occurrences: the app (and its sent keys) lives across the class.
        String body = timer("2025-01-13T07:00:00.02+00:00", "2025-01-13T06:59:00.01+00:00", false);
        given().contentType(ContentType.JSON).body(body).when().post("/NotificationJobs").then().statusCode(200);
        given().contentType(ContentType.JSON).body(body).when().post("/NotificationJobs").then().statusCode(200);

        assertThat(Outbox.files()).hasSize(4);
    }

    @Test
    void givenHostileRowData_thenTheHtmlBodyIsEscapedInTheSentMessage() throws Exception {
        given().header("Authorization", TestTokens.bearer()).when().post("/api/jobs/reminder/run?at=2025-02-03T07:00:00Z")
                .then().statusCode(202).body("enqueued", equalTo(3));

        String html = null;
        for (var file : Outbox.files()) {
            MimeMessage m = Outbox.read(file);
            if (m.getSubject().contains("Alice")) {
                html = htmlPart(m);
            }
        }
        assertThat(html).contains("team &lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; Co").doesNotContain("<script>");
    }

    @Test
    void givenAPastDueTickAfterDaysDown_thenEachJobCatchesUpOnce() {
        // Last ran Monday 13 January after 08:00; now Monday 20 January 12:00 Berlin: reminder (catch-up) runs
        // only its latest missed 08:00 occurrence, digest (catch-up) its Monday one, broken (skip) nothing.
        String body = timer("2025-01-20T11:00:00Z", "2025-01-13T09:00:00+00:00", true);

        given().contentType(ContentType.JSON).body(body).when().post("/NotificationJobs")
                .then().statusCode(200)
                .body("Logs", hasItem(containsString("job reminder @ 2025-01-20T07:00:00Z: CAUGHT_UP (3 message(s))")))
                .body("Logs", hasItem(containsString("job digest @ 2025-01-20T07:00:00Z: CAUGHT_UP (1 message(s))")))
                .body("Logs", hasItem(containsString("job broken @ 2025-01-14T07:00:00Z: SKIPPED_PAST_DUE")));
        assertThat(Outbox.files()).hasSize(4);
    }

    @Test
    void givenAFailingDataSource_thenTheInvocationFailsVisiblyNamingTheJobAndOtherJobsStillRun() {
        // Tuesday 08:00 Berlin: reminder and broken are due; broken's feed answers 500.
        String body = timer("2025-01-07T07:00:00.03Z", "2025-01-07T06:59:00.01Z", false);

        // 200, not 500 (docs/adr/0011): the host drops a custom handler's Logs on a non-2xx answer, so the
        // failure is marked in ReturnValue and the first log line, and logged at ERROR by the app.
        List<String> errors;
        try (LogCapture capture = LogCapture.start()) {
            given().contentType(ContentType.JSON).body(body).when().post("/NotificationJobs")
                    .then().statusCode(200).contentType(ContentType.JSON)
                    .body("ReturnValue.status", equalTo("failed"))
                    .body("ReturnValue.failedJobs", equalTo(List.of("broken")))
                    .body("Logs[0]", equalTo(NotificationJobsFunction.FAILED_MARKER + ": 1 job(s) failed: broken"))
                    .body("Logs", hasItem(containsString("job broken @ 2025-01-07T07:00:00Z: FAILED (0 message(s)) - job 'broken', occurrence "
                            + "2025-01-07T07:00:00Z: the data source failed, nothing was enqueued:")))
                    .body("Logs", hasItem(containsString("answered HTTP 500")))
                    .body("Logs", hasItem(containsString("job reminder @ 2025-01-07T07:00:00Z: ENQUEUED (3 message(s))")));
            errors = List.copyOf(capture.errors());
        }
        assertThat(errors).anyMatch(l -> l.contains("job broken @ 2025-01-07T07:00:00Z: FAILED"));
        assertThat(errors).noneMatch(l -> l.contains("job reminder"));
        assertThat(Outbox.files()).hasSize(3);

        given().header("Authorization", TestTokens.bearer()).accept("application/problem+json").when().post("/api/jobs/broken/run")
                .then().statusCode(502).contentType("application/problem+json")
                .body("detail", containsString("answered HTTP 500"));
    }

    @Test
    void givenPreview_thenTheRenderedMessagesComeBackAndNothingIsSent() {
        given().header("Authorization", TestTokens.bearer()).queryParam("at", "2025-01-06T08:00:00+01:00").queryParam("limit", 2)
                .when().get("/api/jobs/reminder/preview")
                .then().statusCode(200).contentType(ContentType.JSON)
                .body("jobId", equalTo("reminder"))
                .body("occurrence", equalTo(MONDAY_0800_BERLIN))
                .body("totalMessages", equalTo(3))
                .body("messages", hasSize(2))
                .body("messages[0].subject", equalTo("Reminder for Alice (<script>alert('x')</script> & Co)"))
                .body("messages[0].body", equalTo("<p>Hello Alice, team &lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; Co</p>"))
                .body("messages[0].text", equalTo("Hello Alice, team <script>alert('x')</script> & Co"))
                .body("messages[0].to", equalTo(List.of("alice@fabrikam.example")))
                .body("messages[0].idempotencyKey", equalTo("job|reminder|2025-01-06T07:00:00Z|alice@fabrikam.example"));
        given().header("Authorization", TestTokens.bearer()).when().get("/api/jobs/digest/preview?at=" + MONDAY_0800_BERLIN)
                .then().statusCode(200).body("messages[0].attachments", equalTo(List.of("agenda.txt")))
                .body("messages[0].bcc", equalTo(List.of("audit@contoso.example")));
        assertThat(Outbox.files()).isEmpty();
    }

    @Test
    void givenRunNow_thenOneOccurrenceIsSentAndARepeatOfItSendsNothingMore() {
        given().header("Authorization", TestTokens.bearer()).when().post("/api/jobs/digest/run?at=2025-03-03T07:00:00Z")
                .then().statusCode(202).body("jobId", equalTo("digest")).body("occurrence", equalTo("2025-03-03T07:00:00Z")).body("enqueued", equalTo(1));
        given().header("Authorization", TestTokens.bearer()).when().post("/api/jobs/digest/run?at=2025-03-03T07:00:00Z").then().statusCode(202);
        assertThat(Outbox.files()).hasSize(1);
    }

    @Test
    void givenNoCallerToken_thenPreviewRunAndListAreRefused() {
        given().when().get("/api/jobs/reminder/preview").then().statusCode(401);
        given().when().post("/api/jobs/reminder/run").then().statusCode(401);
        given().when().get("/api/jobs").then().statusCode(401);
        assertThat(Outbox.files()).isEmpty();
    }

    @Test
    void givenAnUnknownJobOrBadTime_thenProblems() {
        given().header("Authorization", TestTokens.bearer()).when().get("/api/jobs/nope/preview").then().statusCode(404);
        given().header("Authorization", TestTokens.bearer()).when().post("/api/jobs/digest/run?at=yesterday").then().statusCode(400)
                .body("errors[0].field", equalTo("at"));
    }

    @Test
    void givenTheJobList_thenEachJobWithItsNextOccurrence() {
        given().header("Authorization", TestTokens.bearer()).when().get("/api/jobs")
                .then().statusCode(200)
                .body("id", equalTo(List.of("digest", "reminder", "broken")))
                .body("[0].schedule", equalTo("0 0 8 * * MON"))
                .body("[1].dataSource", equalTo("localhost"));
    }

    @Test
    void givenAnInvocationThatIsNotATimer_then400() {
        given().contentType(ContentType.JSON).body("{\"Data\":{},\"Metadata\":{}}").when().post("/NotificationJobs").then().statusCode(400);
    }

    private static String htmlPart(MimeMessage m) throws Exception {
        Object content = m.getContent();
        if (content instanceof String s) {
            return s;
        }
        Multipart mp = (Multipart) content;
        for (int i = 0; i < mp.getCount(); i++) {
            BodyPart part = mp.getBodyPart(i);
            if (part.isMimeType("text/html")) {
                return (String) part.getContent();
            }
            if (part.getContent() instanceof Multipart inner) {
                for (int j = 0; j < inner.getCount(); j++) {
                    if (inner.getBodyPart(j).isMimeType("text/html")) {
                        return (String) inner.getBodyPart(j).getContent();
                    }
                }
            }
        }
        return null;
    }
}
