package io.graphmailer.standin;

import com.azure.core.exception.HttpResponseException;
import com.azure.core.exception.ResourceNotFoundException;
import com.azure.core.http.policy.FixedDelayOptions;
import com.azure.core.http.policy.RetryOptions;
import com.azure.identity.ManagedIdentityCredentialBuilder;
import com.azure.security.keyvault.secrets.SecretClient;
import com.azure.security.keyvault.secrets.SecretClientBuilder;
import com.azure.security.keyvault.secrets.models.KeyVaultSecret;
import com.azure.security.keyvault.secrets.models.SecretProperties;
import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayInputStream;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.security.KeyStore;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Key Vault stand-in proven with the real SecretClient and ManagedIdentityCredential (App Service protocol). */
class KeyVaultStandinTest {

    private Standins standins;
    private KeyVaultStandin vault;

    @BeforeEach
    void reset() {
        standins = Standins.shared();
        standins.reset();
        vault = standins.keyVault();
    }

    @AfterEach
    void vaultRunning() {
        vault.start();
    }

    private SecretClient secretClient() {
        return new SecretClientBuilder()
                .vaultUrl(standins.vaultUrl())
                .credential(new ManagedIdentityCredentialBuilder().build())
                .retryOptions(new RetryOptions(new FixedDelayOptions(0, Duration.ofMillis(10))))
                .buildClient();
    }

    @Test
    void givenFunctionIdentityWithSecretsUserRole_whenGettingCertificateSecret_thenPfxLoadsWithEmptyPassword()
            throws Exception {
        KeyVaultSecret secret = secretClient().getSecret(Standins.CERTIFICATE_NAME);

        assertThat(secret.getProperties().getContentType()).isEqualTo("application/x-pkcs12");
        assertThat(secret.getProperties().isManaged()).isTrue();
        assertThat(secret.getProperties().getVersion()).isEqualTo(vault.versions(Standins.CERTIFICATE_NAME).get(0));
        assertThat(secret.getProperties().getKeyId()).contains("/keys/" + Standins.CERTIFICATE_NAME + "/");
        KeyStore store = KeyStore.getInstance("PKCS12");
        store.load(new ByteArrayInputStream(Base64.getDecoder().decode(secret.getValue())), "".toCharArray());
        String alias = store.aliases().nextElement();
        assertThat(store.getCertificate(alias)).isEqualTo(standins.clientCertificate().certificate());
        assertThat(store.getKey(alias, "".toCharArray())).isEqualTo(standins.clientCertificate().privateKey());
    }

    @Test
    void givenVaultAuthorityNotSeenBefore_whenSdkReadsSecret_thenItAnswersTheChallengeWithAManagedIdentityToken() {
        // the SDK caches challenges per host:port for the JVM, so a fresh vault port shows the whole flow
        try (KeyVaultStandin fresh = new KeyVaultStandin(standins.identity(), Standins.TENANT_ID)) {
            fresh.start();
            fresh.grantSecretsUser(Standins.FUNCTION_IDENTITY_OID);
            fresh.putCertificate("cert", standins.clientCertificate(), KeyVaultStandin.CertificateFormat.PKCS12);

            KeyVaultSecret secret = new SecretClientBuilder().vaultUrl(fresh.vaultUrl())
                    .credential(new ManagedIdentityCredentialBuilder().build()).buildClient().getSecret("cert");

            assertThat(secret.getValue()).isNotBlank();
            assertThat(fresh.challenges()).isEqualTo(1);
            assertThat(fresh.requests()).isEqualTo(2);
            assertThat(fresh.secretReads("cert")).isEqualTo(1);
        }
    }

    @Test
    void givenRotation_whenGettingTheSecretAgain_thenTheNewVersionIsReturned() {
        SecretClient client = secretClient();
        KeyVaultSecret before = client.getSecret(Standins.CERTIFICATE_NAME);

        StandinPki.ClientCertificate rotated = standins.rotateClientCertificate();
        KeyVaultSecret after = client.getSecret(Standins.CERTIFICATE_NAME);

        assertThat(after.getProperties().getVersion()).isNotEqualTo(before.getProperties().getVersion());
        assertThat(after.getValue()).isNotEqualTo(before.getValue());
        assertThat(after.getProperties().getExpiresOn().toInstant())
                .isEqualTo(rotated.certificate().getNotAfter().toInstant());
        List<String> listed = client.listPropertiesOfSecretVersions(Standins.CERTIFICATE_NAME).stream()
                .map(SecretProperties::getVersion).toList();
        assertThat(listed).containsExactlyInAnyOrderElementsOf(vault.versions(Standins.CERTIFICATE_NAME)).hasSize(2);
        assertThat(client.getSecret(Standins.CERTIFICATE_NAME, before.getProperties().getVersion()).getValue())
                .isEqualTo(before.getValue());
    }

    @Test
    void givenManyVersions_whenListingWithPages_thenSdkFollowsNextLink() {
        for (int i = 0; i < 30; i++) {
            vault.putSecret("plain", "value-" + i);
        }

        long count = secretClient().listPropertiesOfSecretVersions("plain").stream().count();

        assertThat(count).isEqualTo(30);
    }

    @Test
    void givenRevokedAccess_whenGettingSecret_thenForbiddenByRbac() {
        vault.revokeAccess(Standins.FUNCTION_IDENTITY_OID);

        assertThatThrownBy(() -> secretClient().getSecret(Standins.CERTIFICATE_NAME))
                .isInstanceOfSatisfying(HttpResponseException.class,
                        e -> assertThat(e.getResponse().getStatusCode()).isEqualTo(403))
                .hasMessageContaining("ForbiddenByRbac")
                .hasMessageContaining("oid=" + Standins.FUNCTION_IDENTITY_OID);
    }

    @Test
    void givenUnknownSecret_whenGettingIt_thenSecretNotFound() {
        assertThatThrownBy(() -> secretClient().getSecret("missing"))
                .isInstanceOf(ResourceNotFoundException.class)
                .hasMessageContaining("SecretNotFound");
    }

    @Test
    void givenPemFormat_whenGettingSecret_thenValueIsPrivateKeyThenCertificate() {
        vault.putCertificate("pem-cert", standins.clientCertificate(), KeyVaultStandin.CertificateFormat.PEM);

        KeyVaultSecret secret = secretClient().getSecret("pem-cert");

        assertThat(secret.getProperties().getContentType()).isEqualTo("application/x-pem-file");
        assertThat(secret.getValue()).startsWith("-----BEGIN PRIVATE KEY-----")
                .contains("-----BEGIN CERTIFICATE-----");
    }

    @Test
    void givenStoppedVault_whenGettingSecret_thenTheClientFails() {
        SecretClient client = secretClient();
        vault.stop();

        assertThatThrownBy(() -> client.getSecret(Standins.CERTIFICATE_NAME)).isInstanceOf(RuntimeException.class);
        assertThat(vault.isRunning()).isFalse();
    }

    @Test
    void givenNoBearerToken_thenChallengeNamesTheStandinAuthorityAndVaultResource() throws Exception {
        HttpResponse<String> response = get(standins.vaultUrl() + "/secrets/" + Standins.CERTIFICATE_NAME
                + "/?api-version=7.6", null);

        assertThat(response.statusCode()).isEqualTo(401);
        assertThat(response.headers().firstValue("WWW-Authenticate")).hasValue("Bearer authorization=\""
                + standins.authority() + "\", resource=\"https://vault.localhost\"");
        JsonNode error = StandinClients.json(response.body()).get("error");
        assertThat(error.get("code").asText()).isEqualTo("Unauthorized");
        assertThat(error.get("message").asText()).isEqualTo("AKV10000: Request is missing a Bearer or PoP token.");
    }

    @Test
    void givenTokenForAnotherAudience_thenUnauthorized() throws Exception {
        String graphToken = standins.identity().mintAppToken(Standins.CLIENT_ID, "https://graph.microsoft.com");

        HttpResponse<String> response = get(secretUrl(), graphToken);

        assertThat(response.statusCode()).isEqualTo(401);
        assertThat(response.body()).contains("AKV10022");
    }

    @Test
    void givenExpiredOrForeignToken_thenUnauthorized() throws Exception {
        long past = Instant.now().minusSeconds(3600).getEpochSecond();
        Map<String, Object> claims = Map.of("aud", "https://vault.localhost",
                "iss", "https://sts.windows.net/" + Standins.TENANT_ID + "/", "tid", Standins.TENANT_ID,
                "oid", Standins.FUNCTION_IDENTITY_OID, "iat", past, "nbf", past, "exp", past + 600);
        String expired = standins.identity().mintToken(claims);
        String foreign = IdentityPlatformStandin.mintTokenWithUnknownKey(Map.of("aud", "https://vault.localhost",
                "iss", "https://sts.windows.net/" + Standins.TENANT_ID + "/", "tid", Standins.TENANT_ID,
                "oid", Standins.FUNCTION_IDENTITY_OID));

        assertThat(get(secretUrl(), expired).statusCode()).isEqualTo(401);
        assertThat(get(secretUrl(), foreign).statusCode()).isEqualTo(401);
    }

    @Test
    void givenValidTokenWithoutApiVersion_thenBadParameter() throws Exception {
        String token = vaultToken();

        HttpResponse<String> response = get(standins.vaultUrl() + "/secrets/" + Standins.CERTIFICATE_NAME, token);

        assertThat(response.statusCode()).isEqualTo(400);
        assertThat(get(secretUrl(), token).statusCode()).isEqualTo(200);
    }

    @Test
    void givenSecretResponse_thenItHasTheRecordedShape() throws Exception {
        HttpResponse<String> response = get(secretUrl(), vaultToken());

        JsonNode body = StandinClients.json(response.body());
        assertThat(body.get("id").asText()).matches(java.util.regex.Pattern.quote(standins.vaultUrl())
                + "/secrets/graph-mailer-cert/[0-9a-f]{32}");
        assertThat(body.get("managed").asBoolean()).isTrue();
        assertThat(body.get("attributes").get("created").isIntegralNumber()).isTrue();
        assertThat(body.get("attributes").get("exp").asLong()).isEqualTo(
                standins.clientCertificate().certificate().getNotAfter().toInstant().getEpochSecond());
        assertThat(response.headers().firstValue("x-ms-keyvault-region")).isPresent();
    }

    private String secretUrl() {
        return standins.vaultUrl() + "/secrets/" + Standins.CERTIFICATE_NAME + "/?api-version=7.6";
    }

    private String vaultToken() {
        return standins.identity().mintToken(Map.of("aud", "https://vault.localhost",
                "iss", "https://sts.windows.net/" + Standins.TENANT_ID + "/", "tid", Standins.TENANT_ID,
                "appid", Standins.FUNCTION_IDENTITY_CLIENT_ID, "oid", Standins.FUNCTION_IDENTITY_OID,
                "idtyp", "app"));
    }

    private static HttpResponse<String> get(String url, String bearer) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(url)).GET();
        if (bearer != null) {
            request.header("Authorization", "Bearer " + bearer);
        }
        return StandinClients.HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }
}
