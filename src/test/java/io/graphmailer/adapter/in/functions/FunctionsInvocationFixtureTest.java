package io.graphmailer.adapter.in.functions;

import com.azure.storage.queue.QueueClient;
import io.graphmailer.support.Azurite;
import io.graphmailer.support.AzuriteResource;
import io.graphmailer.support.FunctionsHostDriver;
import io.graphmailer.support.Outbox;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InputStream;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.hasKey;
import static org.hamcrest.Matchers.startsWith;

/** Real invocation payloads, as the host sends them (both encodings), drive the queue function. */
@QuarkusTest
@WithTestResource(value = AzuriteResource.class, initArgs = @ResourceArg(name = "name", value = "fixtures"))
class FunctionsInvocationFixtureTest {

    @BeforeEach
    void clean() {
        Outbox.clear();
    }

    private static byte[] fixture(String name) throws IOException {
        try (InputStream in = FunctionsInvocationFixtureTest.class.getResourceAsStream("/functions/" + name)) {
            return in.readAllBytes();
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"outbox-queue-invocation.json", "outbox-queue-invocation-documented-form.json"})
    void givenAHostInvocation_thenTheMailIsSentAndTheReplyHasTheHostsShape(String fixture) throws Exception {
        given().contentType("application/json").body(fixture(fixture))
                .when().post("/OutboxQueue")
                .then().statusCode(200)
                .contentType("application/json")
                .body("$", hasKey("Outputs")).body("$", hasKey("Logs")).body("$", hasKey("ReturnValue"))
                .body("Logs[0]", startsWith("message "));
        assertThat(Outbox.only().getSubject()).isIn("Invoice 2026-118", "Password expires soon");
    }

    @Test
    void givenAnInvalidEnvelope_thenAcknowledgedAndKeptInTheDeadLetterQueue() throws Exception {
        QueueClient deadLetter = FunctionsHostDriver.client(Azurite.shared().connectionString(),
                AzuriteResource.queueName("fixtures") + "-deadletter");
        deadLetter.createIfNotExists();
        deadLetter.clearMessages();
        given().contentType("application/json").body(fixture("outbox-queue-invocation-invalid-envelope.json"))
                .when().post("/OutboxQueue")
                .then().statusCode(200);
        assertThat(Outbox.files()).isEmpty();
        var kept = QueueSendTest.read(deadLetter);
        assertThat(kept).singleElement().satisfies(n -> assertThat(n.path("code").asText()).isEqualTo("UnsupportedVersion"));
    }

    @Test
    void givenSomethingThatIsNotAnInvocation_then400WithJson() {
        given().contentType("application/json").body("[1,2")
                .when().post("/OutboxQueue")
                .then().statusCode(400).contentType("application/json");
    }

    @Test
    void givenTheHostsReadinessProbe_thenAnswered() {
        given().when().get("/").then().statusCode(200).contentType("application/json");
    }
}
