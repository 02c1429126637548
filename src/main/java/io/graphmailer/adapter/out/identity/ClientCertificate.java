package io.graphmailer.adapter.out.identity;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.PrivateKey;
import java.security.cert.CertificateEncodingException;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.HexFormat;
import java.util.List;

/**
 * The app registration's certificate with its private key, held in memory only.
 * {@code version} identifies where it came from (a Key Vault secret version or a file), never its content.
 */
public record ClientCertificate(PrivateKey privateKey, List<X509Certificate> chain, String version) {
    public ClientCertificate {
        chain = List.copyOf(chain);
        if (chain.isEmpty()) {
            throw new IllegalArgumentException("a certificate is required");
        }
    }

    public X509Certificate certificate() {
        return chain.get(0);
    }

    /** SHA-1 thumbprint in hex, as the Azure portal shows it (safe to log). */
    public String thumbprint() {
        try {
            return HexFormat.of().withUpperCase().formatHex(MessageDigest.getInstance("SHA-1").digest(certificate().getEncoded()));
        } catch (NoSuchAlgorithmException | CertificateEncodingException e) {
            throw new IllegalStateException(e);
        }
    }

    public Instant notAfter() {
        return certificate().getNotAfter().toInstant();
    }

    @Override
    public String toString() {
        return "ClientCertificate[thumbprint=" + thumbprint() + ", version=" + version + ", notAfter=" + notAfter() + "]";
    }
}
