package io.graphmailer.adapter.in.http;

import io.graphmailer.support.Outbox;
import io.graphmailer.support.TestTokens;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.response.ExtractableResponse;
import io.restassured.response.Response;
import io.restassured.specification.RequestSpecification;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.function.Function;
import java.util.stream.Stream;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Every error producer (mapper, caller filter, size filter, resource) answers in Graph's envelope as application/json,
 * with the problem fields beside it; application/problem+json only when Accept asks for it. Same body either way.
 */
@QuarkusTest
class GraphErrorResponseTest {
    private static final String GUID = "[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}";

    @BeforeEach
    void clean() {
        Outbox.clear();
    }

    /** One refusal from each producer: name, request, expected status and Graph code. */
    static Stream<Arguments> producers() {
        return Stream.of(
                Arguments.of("mapper: invalid message (400)", (Function<RequestSpecification, Response>) r -> r
                        .header("Authorization", TestTokens.bearer()).contentType(ContentType.JSON).body("{\"message\":{\"subject\":\"s\"}}")
                        .post("/api/users/noreply@contoso.example/sendMail"), 400, "ErrorInvalidRequest"),
                Arguments.of("mapper: sender not allowed (403)", (Function<RequestSpecification, Response>) r -> r
                        .header("Authorization", TestTokens.bearer()).contentType(ContentType.JSON).body(SendMailApiTest.minimal())
                        .post("/api/users/ceo@contoso.example/sendMail"), 403, "ErrorAccessDenied"),
                Arguments.of("mapper: unsupported media type (415)", (Function<RequestSpecification, Response>) r -> r
                        .header("Authorization", TestTokens.bearer()).contentType("application/xml").body("<x/>")
                        .post("/api/users/noreply@contoso.example/sendMail"), 415, "UnsupportedMediaType"),
                Arguments.of("mapper: wrong method (405)", (Function<RequestSpecification, Response>) r -> r
                        .header("Authorization", TestTokens.bearer()).get("/api/users/noreply@contoso.example/sendMail"),
                        405, "MethodNotAllowed"),
                Arguments.of("mapper: unknown path (404)", (Function<RequestSpecification, Response>) r -> r
                        .header("Authorization", TestTokens.bearer()).contentType(ContentType.JSON).body(SendMailApiTest.minimal())
                        .post("/api/v2.0/users/noreply@contoso.example/sendMail"), 404, "ResourceNotFound"),
                Arguments.of("caller filter: no token (401)", (Function<RequestSpecification, Response>) r -> r
                        .contentType(ContentType.JSON).body(SendMailApiTest.minimal())
                        .post("/api/users/noreply@contoso.example/sendMail"), 401, "InvalidAuthenticationToken"),
                Arguments.of("caller filter: token without the app role (403)", (Function<RequestSpecification, Response>) r -> r
                        .header("Authorization", "Bearer " + TestTokens.sign(TestTokens.builder(TestTokens.ISSUER, TestTokens.AUDIENCE,
                                List.of("Other.Role"), Instant.now().plusSeconds(3600))))
                        .contentType(ContentType.JSON).body(SendMailApiTest.minimal())
                        .post("/api/users/noreply@contoso.example/sendMail"), 403, "ErrorAccessDenied"),
                Arguments.of("header filter: headers too large (431)", (Function<RequestSpecification, Response>) r -> r
                        .header("Authorization", TestTokens.bearer()).header("X-Padding", "p".repeat(21 * 1024))
                        .contentType(ContentType.JSON).body(SendMailApiTest.minimal())
                        .post("/api/users/noreply@contoso.example/sendMail"), 431, "RequestHeaderFieldsTooLarge"),
                Arguments.of("size filter: declared body too large (413)", (Function<RequestSpecification, Response>) r -> r
                        .header("Authorization", TestTokens.bearer()).contentType(ContentType.JSON).body(new byte[4 * 1024 * 1024 + 1])
                        .post("/api/users/noreply@contoso.example/sendMail"), 413, "RequestEntityTooLarge"),
                Arguments.of("jobs resource: unknown job (404)", (Function<RequestSpecification, Response>) r -> r
                        .header("Authorization", TestTokens.bearer()).post("/api/jobs/no-such-job/run"), 404, "ResourceNotFound"),
                Arguments.of("jobs resource: preview of an unknown job (404)", (Function<RequestSpecification, Response>) r -> r
                        .header("Authorization", TestTokens.bearer()).get("/api/jobs/no-such-job/preview"), 404, "ResourceNotFound"),
                Arguments.of("jobs resource: bad time (400)", (Function<RequestSpecification, Response>) r -> r
                        .header("Authorization", TestTokens.bearer()).queryParam("at", "tomorrow").post("/api/jobs/no-such-job/run"),
                        400, "BadRequest"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("producers")
    void givenNoAccept_thenGraphsEnvelopeAsApplicationJsonWithTheProblemFieldsBeside(String name,
            Function<RequestSpecification, Response> call, int status, String code) {
        ExtractableResponse<Response> r = call.apply(given()).then().statusCode(status).extract();
        assertThat(r.contentType()).as(name).startsWith("application/json");
        assertGraphEnvelope(r, status, code);
        assertThat(Outbox.files()).as(name).isEmpty();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("producers")
    void givenAcceptProblemJson_thenTheSameBodyAsApplicationProblemJson(String name,
            Function<RequestSpecification, Response> call, int status, String code) {
        ExtractableResponse<Response> r = call.apply(given().accept("application/problem+json")).then().statusCode(status).extract();
        assertThat(r.contentType()).as(name).startsWith("application/problem+json");
        assertGraphEnvelope(r, status, code);
    }

    @Test
    void givenCallerClientRequestId_thenTheErrorEchoesItAndCarriesItsOwnRequestId() {
        String callers = "5b1f7a2e-0c3d-4e5f-8a9b-0c1d2e3f4a5b";
        ExtractableResponse<Response> r = given().header("Authorization", TestTokens.bearer()).header("client-request-id", callers)
                .contentType(ContentType.JSON).body("{\"message\":{\"subject\":\"s\"}}")
                .post("/api/v1.0/users/noreply@contoso.example/sendMail").then().statusCode(400).extract();
        assertThat(r.header("client-request-id")).isEqualTo(callers);
        assertThat(r.<String>path("error.innerError.client-request-id")).isEqualTo(callers);
        assertThat(r.header("request-id")).matches(GUID).isNotEqualTo(callers);
        assertThat(r.<String>path("error.innerError.request-id")).isEqualTo(r.header("request-id"));
    }

    @Test
    void givenAcceptPreferringJson_thenApplicationJson() {
        for (String accept : new String[]{"application/json, application/problem+json;q=0.5", "*/*", "application/problem+json;q=0",
                "application/*"}) {
            given().accept(accept).contentType(ContentType.JSON).body(SendMailApiTest.minimal())
                    .post("/api/users/noreply@contoso.example/sendMail")
                    .then().statusCode(401).contentType("application/json");
        }
        given().accept("application/json;q=0.4, application/problem+json").contentType(ContentType.JSON).body(SendMailApiTest.minimal())
                .post("/api/users/noreply@contoso.example/sendMail")
                .then().statusCode(401).contentType("application/problem+json");
    }

    private static void assertGraphEnvelope(ExtractableResponse<Response> r, int status, String code) {
        // Graph's envelope
        assertThat(r.<String>path("error.code")).isEqualTo(code);
        assertThat(r.<String>path("error.message")).isNotBlank().isEqualTo(r.<String>path("detail"));
        String requestId = r.path("error.innerError.request-id");
        assertThat(requestId).matches(GUID).isEqualTo(r.header("request-id"));
        // No client-request-id from the caller: Graph repeats its request-id.
        assertThat(r.<String>path("error.innerError.client-request-id")).isEqualTo(requestId).isEqualTo(r.header("client-request-id"));
        Instant date = Instant.parse(r.path("error.innerError.date"));
        assertThat(Duration.between(date, Instant.now()).abs()).isLessThan(Duration.ofHours(1));
        // RFC 9457 fields in the same body
        assertThat(r.<String>path("type")).startsWith("https://graph-mailer.dev/problems/");
        assertThat(r.<String>path("title")).isNotBlank();
        assertThat(r.<Integer>path("status")).isEqualTo(status);
    }
}
