package io.graphmailer.adapter.in.http;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import static org.assertj.core.api.Assertions.assertThat;

class ErrorResponsesTest {

    @ParameterizedTest(name = "Accept ''{0}'' -> problem+json {1}")
    @CsvSource(delimiter = '|', nullValues = "null", value = {
            "null | false",
            "'' | false",
            "*/* | false",
            "application/json | false",
            "application/* | false",
            "application/problem+json | true",
            "APPLICATION/PROBLEM+JSON | true",
            "application/problem+json;q=0 | false",
            "application/problem+json, application/json | true",
            "application/json, application/problem+json;q=0.5 | false",
            "application/json;q=0.4, application/problem+json;q=0.9 | true",
            "application/problem+json;q=oops | false"})
    void givenAnAcceptHeader_thenProblemJsonOnlyWhenExplicitlyPreferred(String accept, boolean problem) {
        assertThat(ErrorResponses.wantsProblemJson(accept)).isEqualTo(problem);
        assertThat(ErrorResponses.render(Problem.of(400, "x", "t", "d", "C"), accept, null).mediaType())
                .isEqualTo(problem ? "application/problem+json" : "application/json");
    }

    @ParameterizedTest(name = "client-request-id ''{0}'' echoed: {1}")
    @CsvSource(delimiter = '|', nullValues = "null", value = {
            "0f8fad5b-d9cb-469f-a165-70867728950e | true",
            "my-app-42 | true",
            "null | false",
            "'' | false",
            "has space | false",
            "caf\u00e9 | false"})
    void givenACallerClientRequestId_thenEchoedOnlyWhenHeaderAndLogSafe(String callerId, boolean echoed) {
        assertThat(RequestIds.echo(callerId, "ours")).isEqualTo(echoed ? callerId : "ours");
        assertThat(RequestIds.echo("x".repeat(129), "ours")).isEqualTo("ours");
    }
}
