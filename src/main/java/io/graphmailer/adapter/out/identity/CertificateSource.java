package io.graphmailer.adapter.out.identity;

/** Where the app registration's certificate comes from: Key Vault in Azure, a file locally. */
public interface CertificateSource {

    /** Reads the newest certificate; never cached here (callers cache). */
    ClientCertificate load();

    /** Names the source in messages, e.g. "Key Vault https://x.vault.azure.net secret 'mail-cert'". */
    String describe();
}
