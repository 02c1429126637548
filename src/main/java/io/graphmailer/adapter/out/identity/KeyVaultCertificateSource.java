package io.graphmailer.adapter.out.identity;

import com.azure.core.exception.HttpResponseException;
import com.azure.core.exception.ResourceNotFoundException;
import com.azure.security.keyvault.secrets.SecretClient;
import com.azure.security.keyvault.secrets.models.KeyVaultSecret;
import io.graphmailer.adapter.out.azure.AzureClients;
import io.graphmailer.config.GraphMailerConfig;
import jakarta.enterprise.inject.Typed;
import jakarta.inject.Inject;
import jakarta.inject.Singleton;

import javax.net.ssl.SSLException;
import java.io.InterruptedIOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.UnknownHostException;
import java.security.cert.CertificateException;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads the certificate the way Key Vault exposes it with its private key: the secret of the same
 * name (PKCS#12 or PEM), authenticated with the function's managed identity.
 */
@Singleton
@Typed(KeyVaultCertificateSource.class) // the CertificateSource producer chooses it when no certificate file is set
public final class KeyVaultCertificateSource implements CertificateSource {
    /** The SDK's refusal (KeyVaultCredentialPolicy): "The challenge resource '<scope>' does not match the requested domain". */
    private static final Pattern CHALLENGE_MISMATCH = Pattern.compile("challenge resource '([^']*)' does not match");
    private final Supplier<SecretClient> secrets;
    private final String vaultUrl;
    private final String name;

    /** The vault's client comes from {@link AzureClients} on the first read, not while the bean is made. */
    @Inject
    KeyVaultCertificateSource(GraphMailerConfig config, AzureClients azure) {
        this(config.keyVaultUrl().orElseThrow(), config.certificateName(), azure);
    }

    private KeyVaultCertificateSource(String vaultUrl, String certificateName, AzureClients azure) {
        this(() -> azure.secrets(vaultUrl), vaultUrl, certificateName);
    }

    KeyVaultCertificateSource(SecretClient secrets, String vaultUrl, String certificateName) {
        this(() -> secrets, vaultUrl, certificateName);
    }

    private KeyVaultCertificateSource(Supplier<SecretClient> secrets, String vaultUrl, String certificateName) {
        this.secrets = secrets;
        this.vaultUrl = vaultUrl;
        this.name = certificateName;
    }

    @Override
    public ClientCertificate load() {
        KeyVaultSecret secret;
        try {
            secret = secrets.get().getSecret(name);
        } catch (ResourceNotFoundException e) {
            throw new CertificateUnavailableException("CertificateNotFound", "Key Vault " + vaultUrl + " has no certificate named '" + name
                    + "' (GRAPH_MAILER_CERTIFICATE_NAME): create or import it there (infrastructure team)", e);
        } catch (HttpResponseException e) {
            int status = e.getResponse() == null ? 0 : e.getResponse().getStatusCode();
            if (status == 403) {
                throw new CertificateUnavailableException("KeyVaultAccessDenied", "Key Vault " + vaultUrl
                        + " denied reading secret '" + name + "': give the function's managed identity the 'Key Vault Secrets User' role"
                        + " on the vault (RBAC) or a 'get' secret permission (access policies) (infrastructure team)", e);
            }
            if (status == 401) {
                throw new CertificateUnavailableException("KeyVaultUnauthenticated", "Key Vault " + vaultUrl
                        + " did not accept the managed identity's token: check that the function app has a managed identity and that the vault is in the same tenant", e);
            }
            throw new CertificateUnavailableException("KeyVaultError", "Key Vault " + vaultUrl + " answered " + status + " reading secret '" + name + "' ("
                    + firstLine(e.getMessage()) + ")", e, status >= 500 || status == 429);
        } catch (RuntimeException e) {
            throw translate(e);
        }
        if (secret.getValue() == null || secret.getValue().isBlank()) {
            throw new CertificateUnavailableException("CertificateInvalid", "Key Vault secret '" + name + "' is empty", null);
        }
        try {
            return CertificateParser.parse(secret.getValue(), secret.getProperties().getContentType(), secret.getProperties().getVersion());
        } catch (IllegalArgumentException e) {
            throw new CertificateUnavailableException("CertificateInvalid", "Key Vault secret '" + name + "' (version "
                    + secret.getProperties().getVersion() + ") is not a usable certificate with private key: " + e.getMessage()
                    + ". Create the certificate with an exportable key", e);
        }
    }

    /**
     * Credential, challenge, TLS and network faults arrive as plain runtime exceptions; each gets its own code so
     * the operator is not told "unreachable" when the vault answered.
     */
    private CertificateUnavailableException translate(RuntimeException e) {
        String kind = e.getClass().getSimpleName();
        Matcher mismatch = CHALLENGE_MISMATCH.matcher(String.valueOf(e.getMessage()));
        if (mismatch.find()) {
            return challengeResourceMismatch(mismatch.group(1), e);
        }
        if (kind.contains("Credential") || kind.contains("Authentication")) {
            return new CertificateUnavailableException("ManagedIdentityUnavailable", "no managed identity token for Key Vault:"
                    + " enable the function app's system-assigned identity (" + kind + ")", e);
        }
        Throwable cause = cause(e, SSLException.class, CertificateException.class);
        if (cause != null) {
            Throwable root = cause;
            while (root.getCause() != null && root.getCause() != root) {
                root = root.getCause();
            }
            String why = cause.getClass().getSimpleName() + ": " + cause.getMessage()
                    + (root == cause ? "" : "; " + root.getClass().getSimpleName() + ": " + root.getMessage());
            return new CertificateUnavailableException("KeyVaultTlsFailed", "TLS with Key Vault " + vaultUrl + " failed ("
                    + why + "): something answers there, but not as a"
                    + " trusted Key Vault; check GRAPH_MAILER_KEY_VAULT_URL (https://<name>.vault.azure.net) and any proxy or"
                    + " TLS inspection on the network path", e);
        }
        cause = cause(e, UnknownHostException.class);
        if (cause != null) {
            return new CertificateUnavailableException("KeyVaultUnreachable", "Key Vault " + vaultUrl + " is unreachable: its"
                    + " host name does not resolve (" + cause.getMessage() + "); check GRAPH_MAILER_KEY_VAULT_URL and, for a"
                    + " private endpoint, the private DNS zone privatelink.vaultcore.azure.net", e, true);
        }
        cause = cause(e, ConnectException.class, InterruptedIOException.class, TimeoutException.class);
        String how = cause == null ? kind : cause.getClass().getSimpleName();
        return new CertificateUnavailableException("KeyVaultUnreachable", "Key Vault " + vaultUrl + " is unreachable (" + how
                + "): check GRAPH_MAILER_KEY_VAULT_URL and the network path (firewall, private endpoint)", e, true);
    }

    /**
     * The vault's 401 challenge named a resource whose host the configured URL does not end with: the SDK (4.5+)
     * will not send the managed identity's token there, so nothing but the URL can fix it.
     */
    private CertificateUnavailableException challengeResourceMismatch(String scope, RuntimeException e) {
        String resource = scope.endsWith("/.default") ? scope.substring(0, scope.length() - "/.default".length()) : scope;
        String resourceHost = host(resource);
        String configuredHost = host(vaultUrl);
        return new CertificateUnavailableException("KeyVaultChallengeResourceMismatch", "Key Vault at " + vaultUrl
                + " asked for a token for resource " + resource + " (its authentication challenge), but the configured host "
                + configuredHost + " does not end with ." + resourceHost + ", so the Key Vault SDK refuses to send the"
                + " managed identity's token there. Set GRAPH_MAILER_KEY_VAULT_URL to the vault's own URL, https://<vault-name>."
                + resourceHost + " (the 'Vault URI' on the vault's overview; for another cloud, that cloud's vault suffix such"
                + " as vault.azure.cn or vault.usgovcloudapi.net), not a custom DNS name, proxy or alias in front of it", e);
    }

    private static String firstLine(String text) {
        String line = String.valueOf(text).strip();
        int end = line.indexOf('\n');
        return end < 0 ? line : line.substring(0, end).strip();
    }

    private static String host(String url) {
        try {
            String host = URI.create(url).getHost();
            return host == null ? url : host;
        } catch (IllegalArgumentException e) {
            return url;
        }
    }

    @SafeVarargs
    private static Throwable cause(Throwable e, Class<? extends Throwable>... types) {
        for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
            for (Class<? extends Throwable> type : types) {
                if (type.isInstance(t)) {
                    return t;
                }
            }
        }
        return null;
    }

    @Override
    public String describe() {
        return "Key Vault " + vaultUrl + " certificate '" + name + "'";
    }
}
