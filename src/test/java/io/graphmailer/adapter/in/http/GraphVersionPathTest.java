package io.graphmailer.adapter.in.http;

import io.graphmailer.support.Outbox;
import io.graphmailer.support.TestTokens;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.charset.StandardCharsets;
import java.util.Base64;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;

/** Graph SDKs put a version segment in front of every path: /api/v1.0 and /api/beta behave as /api. */
@QuarkusTest
class GraphVersionPathTest {

    @BeforeEach
    void clean() {
        Outbox.clear();
    }

    private static String path(String version, String mailbox) {
        return "/api/" + version + "users/" + mailbox + "/sendMail";
    }

    @ParameterizedTest(name = "/api/{0}")
    @ValueSource(strings = {"", "v1.0/", "beta/"})
    void givenAVersionSegment_thenJsonAndMimeAreSentAsOnThePlainPath(String version) throws Exception {
        given().header("Authorization", TestTokens.bearer()).contentType(ContentType.JSON).body(SendMailApiTest.minimal())
                .when().post(path(version, "noreply@contoso.example"))
                .then().statusCode(202).body("status", equalTo("accepted"));
        assertThat(Outbox.only().getSubject()).isEqualTo("s");
        Outbox.clear();

        String mime = "From: noreply@contoso.example\r\nTo: ops@fabrikam.example\r\nSubject: mime\r\n\r\nbody\r\n";
        given().header("Authorization", TestTokens.bearer()).contentType("text/plain")
                .body(Base64.getEncoder().encodeToString(mime.getBytes(StandardCharsets.US_ASCII)))
                .when().post(path(version, "noreply@contoso.example"))
                .then().statusCode(202);
        assertThat(Outbox.only().getSubject()).isEqualTo("mime");
    }

    @ParameterizedTest(name = "/api/{0}")
    @ValueSource(strings = {"v1.0/", "beta/"})
    void givenAVersionSegmentWithoutAToken_then401AndNothingSent(String version) {
        given().contentType(ContentType.JSON).body(SendMailApiTest.minimal())
                .when().post(path(version, "noreply@contoso.example"))
                .then().statusCode(401).header("WWW-Authenticate", "Bearer").body("error.code", equalTo("InvalidAuthenticationToken"));
        assertThat(Outbox.files()).isEmpty();
    }

    @ParameterizedTest(name = "/api/{0}")
    @ValueSource(strings = {"v1.0/", "beta/"})
    void givenAVersionSegmentAndAMailboxNotAllowed_then403BeforeTheBodyIsParsed(String version) {
        given().header("Authorization", TestTokens.bearer()).contentType(ContentType.JSON).body("{not json")
                .when().post(path(version, "ceo@contoso.example"))
                .then().statusCode(403).body("errors[0].field", equalTo("mailbox")).body("detail", containsString("ceo@contoso.example"));
        assertThat(Outbox.files()).isEmpty();
    }

    @ParameterizedTest(name = "/api/{0}")
    @ValueSource(strings = {"v1.0/", "beta/"})
    void givenAVersionSegmentAndABodyOverTheLimit_then413(String version) {
        given().header("Authorization", TestTokens.bearer()).contentType(ContentType.JSON).body(new byte[4 * 1024 * 1024 + 1])
                .when().post(path(version, "noreply@contoso.example"))
                .then().statusCode(413).body("error.code", equalTo("RequestEntityTooLarge"));
        assertThat(Outbox.files()).isEmpty();
    }

    @ParameterizedTest(name = "/api/{0}")
    @ValueSource(strings = {"v2.0/", "v1x0/", "V1.0/", "beta/beta/", "v1.0/v1.0/"})
    void givenAnUnknownVersionSegment_then404AndNothingSent(String version) {
        given().header("Authorization", TestTokens.bearer()).contentType(ContentType.JSON).body(SendMailApiTest.minimal())
                .when().post(path(version, "noreply@contoso.example"))
                .then().statusCode(404).body("error.code", equalTo("ResourceNotFound"));
        assertThat(Outbox.files()).isEmpty();
    }

    @ParameterizedTest(name = "/api/{0}")
    @ValueSource(strings = {"v1.0/", "beta/"})
    void givenAVersionSegmentAndWrongMethod_then405(String version) {
        given().header("Authorization", TestTokens.bearer())
                .when().get(path(version, "noreply@contoso.example"))
                .then().statusCode(405).body("error.code", equalTo("MethodNotAllowed"));
    }
}
