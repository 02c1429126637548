package io.graphmailer.adapter.out.identity;

import com.azure.core.http.policy.FixedDelayOptions;
import com.azure.core.http.policy.RetryOptions;
import com.azure.identity.ManagedIdentityCredentialBuilder;
import com.azure.security.keyvault.secrets.SecretClientBuilder;
import io.graphmailer.standin.KeyVaultStandin;
import io.graphmailer.standin.StandinPki;
import io.graphmailer.standin.Standins;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLServerSocket;
import javax.net.ssl.SSLSocket;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

/**
 * What the operator is told when the certificate cannot be read from Key Vault, with the real Key Vault SDK and
 * managed identity against the stand-ins: each cause by its name, never "unreachable" for a vault that answered.
 */
class KeyVaultCertificateSourceTest {
    private static final String OTHER_RESOURCE = "https://vault.azure.net";
    private final Standins standins = Standins.shared();

    @BeforeEach
    @AfterEach
    void reset() {
        standins.reset();
    }

    private static KeyVaultCertificateSource source(String vaultUrl) {
        return new KeyVaultCertificateSource(new SecretClientBuilder().vaultUrl(vaultUrl)
                .credential(new ManagedIdentityCredentialBuilder().build())
                .retryOptions(new RetryOptions(new FixedDelayOptions(0, Duration.ofMillis(10))))
                .buildClient(), vaultUrl, Standins.CERTIFICATE_NAME);
    }

    private static CertificateUnavailableException failure(KeyVaultCertificateSource source) {
        return catchThrowableOfType(CertificateUnavailableException.class, source::load);
    }

    @Test
    void givenAChallengeNamingAnotherResource_thenTheMismatchIsNamedWithTheUrlToSet() {
        standins.keyVault().challengeResource(OTHER_RESOURCE);

        CertificateUnavailableException e = failure(source(standins.vaultUrl()));

        assertThat(e.code()).isEqualTo("KeyVaultChallengeResourceMismatch");
        assertThat(e.getMessage()).contains("asked for a token for resource " + OTHER_RESOURCE)
                .contains(standins.vaultUrl())
                .contains("does not end with .vault.azure.net")
                .contains("GRAPH_MAILER_KEY_VAULT_URL").contains("https://<vault-name>.vault.azure.net")
                .doesNotContain("unreachable");
        assertThat(e.isTransient()).as("only a new URL fixes it").isFalse();
        assertThat(standins.keyVault().secretReads(Standins.CERTIFICATE_NAME)).isZero();
    }

    @Test
    void givenAClientThatHadAuthenticated_whenTheChallengeNamesAnotherResource_thenTheMismatchIsNamed() {
        KeyVaultCertificateSource source = source(standins.vaultUrl());
        assertThat(source.load().thumbprint()).isNotBlank();

        standins.keyVault().challengeResource(OTHER_RESOURCE);

        assertThat(failure(source).code()).isEqualTo("KeyVaultChallengeResourceMismatch");
    }

    @Test
    void givenAServerWithAnUntrustedCertificateAtTheVaultUrl_thenTlsFailedNotUnreachable() throws Exception {
        try (UntrustedTlsServer server = new UntrustedTlsServer()) {
            String url = "https://" + KeyVaultStandin.HOST + ":" + server.port();

            CertificateUnavailableException e = failure(source(url));

            assertThat(e.code()).isEqualTo("KeyVaultTlsFailed");
            assertThat(e.getMessage()).contains("TLS with Key Vault " + url + " failed").contains("GRAPH_MAILER_KEY_VAULT_URL")
                    .doesNotContain("unreachable");
            assertThat(server.handshakes()).isPositive();
        }
    }

    @Test
    void givenNothingListeningAtTheVaultUrl_thenUnreachableAndWorthRetrying() throws IOException {
        int closedPort;
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
            closedPort = socket.getLocalPort();
        }
        String url = "https://" + KeyVaultStandin.HOST + ":" + closedPort;

        CertificateUnavailableException e = failure(source(url));

        assertThat(e.code()).isEqualTo("KeyVaultUnreachable");
        assertThat(e.getMessage()).contains(url).contains("GRAPH_MAILER_KEY_VAULT_URL");
        assertThat(e.isTransient()).isTrue();
    }

    /** A TLS server on 127.0.0.1 whose certificate no one trusts (a TLS-inspecting proxy, another service). */
    private static final class UntrustedTlsServer implements AutoCloseable {
        private final SSLServerSocket socket;
        private final Thread acceptor;
        private final java.util.concurrent.atomic.AtomicInteger handshakes = new java.util.concurrent.atomic.AtomicInteger();

        UntrustedTlsServer() throws Exception {
            StandinPki.ClientCertificate selfSigned = StandinPki.newClientCertificate(KeyVaultStandin.HOST);
            KeyStore keys = KeyStore.getInstance("PKCS12");
            keys.load(null, null);
            keys.setKeyEntry("server", selfSigned.privateKey(), new char[0], new Certificate[] {selfSigned.certificate()});
            KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
            kmf.init(keys, new char[0]);
            SSLContext tls = SSLContext.getInstance("TLS");
            tls.init(kmf.getKeyManagers(), null, null);
            socket = (SSLServerSocket) tls.getServerSocketFactory().createServerSocket(0, 50, InetAddress.getByName("127.0.0.1"));
            acceptor = new Thread(this::accept, "untrusted-tls");
            acceptor.setDaemon(true);
            acceptor.start();
        }

        private void accept() {
            while (!socket.isClosed()) {
                try (Socket client = socket.accept()) {
                    handshakes.incrementAndGet();
                    ((SSLSocket) client).startHandshake(); // the client gives up: it does not trust the certificate
                } catch (IOException e) {
                    // expected: the handshake fails, or the socket was closed
                }
            }
        }

        int port() {
            return socket.getLocalPort();
        }

        int handshakes() {
            return handshakes.get();
        }

        @Override
        public void close() throws IOException {
            socket.close();
        }
    }
}
