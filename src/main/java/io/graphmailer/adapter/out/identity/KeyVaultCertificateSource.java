package io.graphmailer.adapter.out.identity;

import com.azure.core.exception.HttpResponseException;
import com.azure.core.exception.ResourceNotFoundException;
import com.azure.security.keyvault.secrets.SecretClient;
import com.azure.security.keyvault.secrets.models.KeyVaultSecret;

/**
 * Reads the certificate the way Key Vault exposes it with its private key: the secret of the same
 * name (PKCS#12 or PEM), authenticated with the function's managed identity.
 */
public final class KeyVaultCertificateSource implements CertificateSource {
    private final SecretClient secrets;
    private final String vaultUrl;
    private final String name;

    public KeyVaultCertificateSource(SecretClient secrets, String vaultUrl, String certificateName) {
        this.secrets = secrets;
        this.vaultUrl = vaultUrl;
        this.name = certificateName;
    }

    @Override
    public ClientCertificate load() {
        KeyVaultSecret secret;
        try {
            secret = secrets.getSecret(name);
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
            throw new CertificateUnavailableException("KeyVaultError", "Key Vault " + vaultUrl + " answered " + status + " reading secret '" + name + "'", e, status >= 500 || status == 429);
        } catch (RuntimeException e) {
            // Credential failures (no managed identity) and network faults arrive as plain runtime exceptions.
            String kind = e.getClass().getSimpleName();
            boolean credential = kind.contains("Credential") || kind.contains("Authentication");
            throw new CertificateUnavailableException(credential ? "ManagedIdentityUnavailable" : "KeyVaultUnreachable",
                    credential ? "no managed identity token for Key Vault: enable the function app's system-assigned identity (" + kind + ")"
                            : "Key Vault " + vaultUrl + " is unreachable (" + kind + "): check GRAPH_MAILER_KEY_VAULT_URL and the network path", e, !credential);
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

    @Override
    public String describe() {
        return "Key Vault " + vaultUrl + " certificate '" + name + "'";
    }
}
