package io.graphmailer.adapter.in.http;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import jakarta.ws.rs.BadRequestException;
import jakarta.ws.rs.InternalServerErrorException;
import jakarta.ws.rs.core.Response;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** A bug or an HTTP-level refusal still leaves as an error body, and never with internals in it. */
class UnexpectedFailureProblemTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private final ProblemMappers mappers = new ProblemMappers();

    @Test
    void givenAnUnexpectedException_thenA500ProblemWithoutItsMessageOrStackTrace() throws Exception {
        Response r = mappers.unexpected(new NullPointerException("subject=secret body text"), null);
        assertThat(r.getStatus()).isEqualTo(500);
        assertThat(r.getMediaType().toString()).isEqualTo("application/json"); // Graph's envelope when no Accept asks
        String body = (String) r.getEntity();
        assertThat(JSON.readTree(body).path("error").path("code").asText()).isEqualTo("InternalServerError");
        assertThat(body).doesNotContain("secret").doesNotContain("ProblemMappers").doesNotContain("\tat ");
    }

    @Test
    void givenAnHttpRefusalWithoutBody_thenItsStatusAsAProblemNamingTheRequest() throws Exception {
        Response r = mappers.webApplication(new BadRequestException(), null);
        assertThat(r.getStatus()).isEqualTo(400);
        JsonNode body = JSON.readTree((String) r.getEntity());
        assertThat(body.path("status").asInt()).isEqualTo(400);
        assertThat(body.path("errors").get(0).path("field").asText()).isEqualTo("request");
    }

    @Test
    void givenAServerSideWebApplicationException_thenTheInternalErrorProblem() throws Exception {
        Response r = mappers.webApplication(new InternalServerErrorException("boom at x.y.Z"), null);
        assertThat(r.getStatus()).isEqualTo(500);
        assertThat(JSON.readTree((String) r.getEntity()).path("detail").asText()).doesNotContain("boom");
        assertThat((String) r.getEntity()).doesNotContain("boom");
    }
}
