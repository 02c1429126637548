package io.graphmailer.standin;

import com.azure.identity.ManagedIdentityCredentialBuilder;
import com.azure.security.keyvault.secrets.SecretClientBuilder;
import com.fasterxml.jackson.databind.JsonNode;
import com.microsoft.aad.msal4j.ClientCredentialFactory;
import com.microsoft.aad.msal4j.ClientCredentialParameters;
import com.microsoft.aad.msal4j.ConfidentialClientApplication;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.BufferedReader;
import java.io.ByteArrayInputStream;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.util.Base64;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/** The four stand-ins together, the way the function uses them, and as a separate process. */
class StandinsTest {

    private Standins standins;

    @BeforeEach
    void reset() {
        standins = Standins.shared();
        standins.reset();
    }

    @Test
    void givenFunctionStartup_whenCertificateFromVaultSignsMsalAssertion_thenGraphAcceptsTheMail() throws Exception {
        String pfx = new SecretClientBuilder().vaultUrl(standins.vaultUrl())
                .credential(new ManagedIdentityCredentialBuilder().build()).buildClient()
                .getSecret(Standins.CERTIFICATE_NAME).getValue();
        KeyStore store = KeyStore.getInstance("PKCS12");
        store.load(new ByteArrayInputStream(Base64.getDecoder().decode(pfx)), "".toCharArray());
        String alias = store.aliases().nextElement();
        ConfidentialClientApplication app = ConfidentialClientApplication.builder(standins.clientId(),
                        ClientCredentialFactory.createFromCertificate((PrivateKey) store.getKey(alias, new char[0]),
                                (X509Certificate) store.getCertificate(alias)))
                .oidcAuthority(standins.oidcAuthority())
                .build();
        String token = app.acquireToken(ClientCredentialParameters
                .builder(Set.of("https://graph.microsoft.com/.default")).build()).get().accessToken();

        HttpResponse<String> response = StandinClients.HTTP.send(HttpRequest.newBuilder(
                        URI.create(standins.graph().sendMailUrl(standins.mailbox())))
                .header("Authorization", "Bearer " + token).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"message\":{\"subject\":\"s\",\"toRecipients\":"
                        + "[{\"emailAddress\":{\"address\":\"bob@contoso.test\"}}]}}")).build(),
                HttpResponse.BodyHandlers.ofString());

        assertThat(response.statusCode()).isEqualTo(202);
        assertThat(standins.graph().acceptedMessages()).hasSize(1);
    }

    @Test
    void givenStandinsMainProcess_thenItPrintsOneJsonLineWithReachableUrlsAndFiles() throws Exception {
        ProcessBuilder builder = new ProcessBuilder(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Dstandin.dir=" + StandinPki.directory(),
                "-cp", System.getProperty("java.class.path"),
                StandinsMain.class.getName());
        builder.environment().remove("IDENTITY_ENDPOINT");
        builder.environment().remove("IDENTITY_HEADER");
        builder.redirectError(ProcessBuilder.Redirect.DISCARD);
        Process process = builder.start();
        try {
            BufferedReader out = new BufferedReader(new InputStreamReader(process.getInputStream(),
                    StandardCharsets.UTF_8));
            String line = CompletableFuture.supplyAsync(() -> {
                try {
                    return out.readLine();
                } catch (java.io.IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            }).get(60, TimeUnit.SECONDS);

            JsonNode started = StandinClients.json(line);
            assertThat(started.get("tenantId").asText()).isEqualTo(Standins.TENANT_ID);
            for (String file : new String[] {"truststore", "hostsFile", "clientCertificatePfx", "clientCertificatePem"}) {
                assertThat(Files.exists(Path.of(started.get(file).asText()))).as(file).isTrue();
            }
            // same test CA (shared through standin.dir), so this JVM trusts the other process's servers
            HttpResponse<String> metadata = StandinClients.HTTP.send(HttpRequest.newBuilder(URI.create(
                    started.get("oidcAuthority").asText() + ".well-known/openid-configuration")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(metadata.statusCode()).isEqualTo(200);
            HttpResponse<String> identity = StandinClients.HTTP.send(HttpRequest.newBuilder(URI.create(
                            started.get("identityEndpoint").asText() + "?resource=https://vault.azure.net"
                                    + "&api-version=2019-08-01"))
                    .header("X-IDENTITY-HEADER", started.get("identityHeader").asText()).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(identity.statusCode()).isEqualTo(200);
            assertThat(process.isAlive()).isTrue();
        } finally {
            process.destroy();
            process.waitFor(10, TimeUnit.SECONDS);
        }
    }
}
