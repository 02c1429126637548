package io.graphmailer.standin;

import com.azure.core.http.HttpClient;
import com.azure.core.http.HttpMethod;
import com.azure.core.http.HttpRequest;
import com.azure.core.http.HttpResponse;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import javax.net.ssl.HttpsURLConnection;
import java.net.InetAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.net.http.HttpRequest.BodyPublishers;
import java.net.http.HttpResponse.BodyHandlers;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The test JVM reaches the stand-ins by name over TLS with its default trust and resolution, nothing else. */
class StandinTrustTest {

    private Standins standins;

    @BeforeEach
    void reset() {
        standins = Standins.shared();
        standins.reset();
    }

    @Test
    void givenSurefireTrustStore_whenHttpsUrlConnectionCallsIdentityStandin_thenCertificateIsTrusted()
            throws Exception {
        HttpsURLConnection connection = (HttpsURLConnection) URI.create(
                standins.oidcAuthority() + ".well-known/openid-configuration").toURL().openConnection();

        assertThat(connection.getResponseCode()).isEqualTo(200);
        assertThat(System.getProperty("javax.net.ssl.trustStore"))
                .isEqualTo(StandinPki.shared().truststorePath().toString());
    }

    @Test
    void givenJdkHttpClient_whenCallingGraphStandin_thenTlsAndNameResolutionWork() throws Exception {
        java.net.http.HttpResponse<String> response = StandinClients.HTTP.send(java.net.http.HttpRequest.newBuilder(
                        URI.create(standins.graph().sendMailUrl(standins.mailbox())))
                .POST(BodyPublishers.ofString("{}")).header("Content-Type", "application/json").build(),
                BodyHandlers.ofString());

        assertThat(response.statusCode()).isEqualTo(401);
    }

    @Test
    void givenHostsFile_thenStandinNamesResolveToLoopbackAndPublicNamesDoNotResolve() throws Exception {
        for (String name : new String[] {"localhost", "login.localhost", "graph.localhost",
                "graph-mailer-test.vault.localhost"}) {
            assertThat(InetAddress.getByName(name).getHostAddress()).as(name).isEqualTo("127.0.0.1");
        }
        assertThatThrownBy(() -> InetAddress.getByName("login.microsoftonline.com"))
                .isInstanceOf(UnknownHostException.class);
        assertThat(Files.exists(Path.of(System.getProperty("jdk.net.hosts.file")))).isTrue();
    }

    @Test
    void givenAzureSdkDefaultHttpClient_thenItIsNettyAndReachesTheVaultHostName() {
        HttpClient client = HttpClient.createDefault();

        try (HttpResponse response = client.sendSync(new HttpRequest(HttpMethod.GET,
                standins.vaultUrl() + "/secrets/" + Standins.CERTIFICATE_NAME + "/?api-version=7.6"),
                com.azure.core.util.Context.NONE)) {
            assertThat(client.getClass().getName()).contains("Netty");
            assertThat(response.getStatusCode()).isEqualTo(401);
            assertThat(response.getHeaderValue("WWW-Authenticate")).contains("resource=\"https://vault.localhost\"");
        }
    }

    @Test
    void givenNewClientCertificate_thenItIsSelfSignedRsa2048ForClientAuthAndExportsLikeKeyVault()
            throws Exception {
        StandinPki.ClientCertificate certificate = StandinPki.newClientCertificate("export check");

        java.security.KeyStore store = java.security.KeyStore.getInstance("PKCS12");
        store.load(new java.io.ByteArrayInputStream(java.util.Base64.getDecoder()
                .decode(certificate.pkcs12Base64())), "".toCharArray());
        String alias = store.aliases().nextElement();

        assertThat(store.getKey(alias, "".toCharArray())).isEqualTo(certificate.privateKey());
        assertThat(store.getCertificate(alias)).isEqualTo(certificate.certificate());
        assertThat(((java.security.interfaces.RSAPublicKey) certificate.certificate().getPublicKey())
                .getModulus().bitLength()).isEqualTo(2048);
        assertThat(certificate.certificate().getExtendedKeyUsage()).containsExactly("1.3.6.1.5.5.7.3.2");
        assertThat(certificate.certificate().getIssuerX500Principal())
                .isEqualTo(certificate.certificate().getSubjectX500Principal());
        assertThat(certificate.pem()).startsWith("-----BEGIN PRIVATE KEY-----")
                .contains("-----END PRIVATE KEY-----\n-----BEGIN CERTIFICATE-----");
    }
}
