package io.graphmailer.standin;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;

import static org.assertj.core.api.Assertions.assertThat;

/** The Graph stand-in's delegated side: /me is for user tokens only. */
class DelegatedGraphStandinTest {
    private final Standins standins = Standins.shared();
    private static final String MESSAGE = "{\"message\":{\"subject\":\"s\",\"body\":{\"contentType\":\"Text\",\"content\":\"b\"},"
            + "\"toRecipients\":[{\"emailAddress\":{\"address\":\"ops@fabrikam.example\"}}]}}";

    @BeforeEach
    void reset() {
        standins.reset();
    }

    @Test
    void givenAnAppTokenOnMe_thenGraphAnswersBadRequest() throws Exception {
        String appToken = standins.identity().mintAppToken(Standins.CLIENT_ID, IdentityPlatformStandin.GRAPH_RESOURCE);
        HttpRequest request = HttpRequest.newBuilder(URI.create(standins.graphUrl() + "/me/sendMail"))
                .header("Authorization", "Bearer " + appToken).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(MESSAGE)).build();

        HttpResponse<String> response = StandinClients.HTTP.send(request, HttpResponse.BodyHandlers.ofString());

        assertThat(response.statusCode()).isEqualTo(400);
        assertThat(StandinClients.json(response.body()).at("/error/message").asText()).contains("only valid with delegated authentication");
        assertThat(standins.graph().acceptedMessages()).isEmpty();
    }
}
