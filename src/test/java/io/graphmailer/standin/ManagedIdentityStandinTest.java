package io.graphmailer.standin;

import com.azure.core.credential.AccessToken;
import com.azure.core.credential.TokenRequestContext;
import com.azure.identity.ManagedIdentityCredentialBuilder;
import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

class ManagedIdentityStandinTest {

    private Standins standins;
    private ManagedIdentityStandin managedIdentity;

    @BeforeEach
    void reset() {
        standins = Standins.shared();
        standins.reset();
        managedIdentity = standins.managedIdentity();
    }

    @Test
    void givenSurefireEnvironment_thenStandinListensAtIdentityEndpointWithIdentityHeader() {
        assertThat(managedIdentity.endpoint()).isEqualTo(System.getenv("IDENTITY_ENDPOINT"));
        assertThat(managedIdentity.identityHeader()).isEqualTo(System.getenv("IDENTITY_HEADER"));
        assertThat(System.getenv("AZURE_CLIENT_SECRET")).isNull();
        assertThat(System.getenv("AZURE_CLIENT_CERTIFICATE_PATH")).isNull();
        assertThat(System.getenv("AZURE_FEDERATED_TOKEN_FILE")).isNull();
    }

    @Test
    void givenAzureIdentityManagedIdentityCredential_whenGettingVaultToken_thenTokenIsForFunctionIdentity() {
        AccessToken token = new ManagedIdentityCredentialBuilder().build()
                .getTokenSync(new TokenRequestContext().addScopes("https://vault.azure.net/.default"));

        Map<String, Object> claims = StandinClients.claims(token.getToken());
        assertThat(claims).containsEntry("aud", "https://vault.azure.net")
                .containsEntry("oid", Standins.FUNCTION_IDENTITY_OID)
                .containsEntry("appid", Standins.FUNCTION_IDENTITY_CLIENT_ID)
                .containsEntry("tid", Standins.TENANT_ID);
        assertThat(managedIdentity.requests("https://vault.azure.net")).isEqualTo(1);
    }

    @Test
    void givenRawRequest_thenExpiresOnIsAStringOfEpochSeconds() throws Exception {
        HttpResponse<String> response = get(managedIdentity.endpoint()
                + "?resource=https://vault.azure.net&api-version=2019-08-01", managedIdentity.identityHeader());

        assertThat(response.statusCode()).isEqualTo(200);
        JsonNode body = StandinClients.json(response.body());
        assertThat(body.get("expires_on").isTextual()).isTrue();
        assertThat(body.get("expires_on").asText()).matches("\\d{10}");
        assertThat(body.get("resource").asText()).isEqualTo("https://vault.azure.net");
        assertThat(body.get("token_type").asText()).isEqualTo("Bearer");
    }

    @Test
    void givenWrongIdentityHeaderOrApiVersion_thenRejected() throws Exception {
        String url = managedIdentity.endpoint() + "?resource=https://vault.azure.net&api-version=2019-08-01";

        assertThat(get(url, "wrong").statusCode()).isEqualTo(401);
        assertThat(get(url, null).statusCode()).isEqualTo(401);
        assertThat(get(url.replace("2019-08-01", "2017-09-01"), managedIdentity.identityHeader()).statusCode())
                .isEqualTo(400);
        assertThat(managedIdentity.requests()).isEqualTo(3);
    }

    private static HttpResponse<String> get(String url, String identityHeader) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(url)).GET();
        if (identityHeader != null) {
            request.header("X-IDENTITY-HEADER", identityHeader);
        }
        return StandinClients.HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }
}
