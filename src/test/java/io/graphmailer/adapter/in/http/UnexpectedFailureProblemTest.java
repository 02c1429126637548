package io.graphmailer.adapter.in.http;

import jakarta.ws.rs.BadRequestException;
import jakarta.ws.rs.InternalServerErrorException;
import jakarta.ws.rs.core.Response;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** A bug or an HTTP-level refusal still leaves as a problem, and never with internals in the body. */
class UnexpectedFailureProblemTest {
    private final ProblemMappers mappers = new ProblemMappers();

    @Test
    void givenAnUnexpectedException_thenA500ProblemWithoutItsMessageOrStackTrace() {
        Response r = mappers.unexpected(new NullPointerException("subject=secret body text"));
        assertThat(r.getStatus()).isEqualTo(500);
        assertThat(r.getMediaType().toString()).isEqualTo(Problem.MEDIA_TYPE);
        Problem p = (Problem) r.getEntity();
        assertThat(p.error().code()).isEqualTo("InternalServerError");
        assertThat(p.toString()).doesNotContain("secret").doesNotContain("ProblemMappers").doesNotContain("\tat ");
    }

    @Test
    void givenAnHttpRefusalWithoutBody_thenItsStatusAsAProblemNamingTheRequest() {
        Response r = mappers.webApplication(new BadRequestException());
        assertThat(r.getStatus()).isEqualTo(400);
        assertThat(r.getMediaType().toString()).isEqualTo(Problem.MEDIA_TYPE);
        assertThat(((Problem) r.getEntity()).errors()).extracting(v -> v.field()).containsExactly("request");
    }

    @Test
    void givenAServerSideWebApplicationException_thenTheInternalErrorProblem() {
        Response r = mappers.webApplication(new InternalServerErrorException("boom at x.y.Z"));
        assertThat(r.getStatus()).isEqualTo(500);
        assertThat(((Problem) r.getEntity()).detail()).doesNotContain("boom");
    }
}
