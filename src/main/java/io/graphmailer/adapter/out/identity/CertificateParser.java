package io.graphmailer.adapter.out.identity;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.Key;
import java.security.KeyFactory;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collections;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads a certificate with its private key in the two forms Key Vault exports a certificate's secret:
 * a password-less PKCS#12 (base64) or PEM (PKCS#8 private key followed by the certificates).
 */
public final class CertificateParser {
    private static final Pattern PEM = Pattern.compile("-----BEGIN ([A-Z0-9 ]+)-----([^-]+)-----END \\1-----");

    private CertificateParser() {
    }

    public static ClientCertificate parse(String value, String contentType, String version) {
        String type = contentType == null ? "" : contentType.trim().toLowerCase();
        if (type.equals("application/x-pem-file") || value.contains("-----BEGIN")) {
            return pem(value, version);
        }
        return pkcs12(Base64.getMimeDecoder().decode(value), new char[0], version);
    }

    public static ClientCertificate pkcs12(byte[] pfx, char[] password, String version) {
        try {
            KeyStore store = KeyStore.getInstance("PKCS12");
            store.load(new ByteArrayInputStream(pfx), password);
            for (String alias : Collections.list(store.aliases())) {
                if (store.isKeyEntry(alias)) {
                    Key key = store.getKey(alias, password);
                    Certificate[] chain = store.getCertificateChain(alias);
                    if (key instanceof PrivateKey privateKey && chain != null && chain.length > 0) {
                        List<X509Certificate> certs = new ArrayList<>();
                        for (Certificate c : chain) {
                            certs.add((X509Certificate) c);
                        }
                        return new ClientCertificate(privateKey, certs, version);
                    }
                }
            }
            throw new IllegalArgumentException("the PKCS#12 holds no private key with its certificate: was the certificate created with an exportable key?");
        } catch (GeneralSecurityException | java.io.IOException e) {
            throw new IllegalArgumentException("the PKCS#12 cannot be read (" + e.getClass().getSimpleName() + ")", e);
        }
    }

    public static ClientCertificate pem(String text, String version) {
        PrivateKey key = null;
        List<X509Certificate> certs = new ArrayList<>();
        Matcher m = PEM.matcher(text);
        try {
            CertificateFactory cf = CertificateFactory.getInstance("X.509");
            while (m.find()) {
                byte[] der = Base64.getMimeDecoder().decode(m.group(2).getBytes(StandardCharsets.US_ASCII));
                switch (m.group(1)) {
                    case "PRIVATE KEY" -> key = privateKey(der);
                    case "CERTIFICATE" -> certs.add((X509Certificate) cf.generateCertificate(new ByteArrayInputStream(der)));
                    case "RSA PRIVATE KEY", "EC PRIVATE KEY", "ENCRYPTED PRIVATE KEY" -> throw new IllegalArgumentException(
                            "the PEM private key is '" + m.group(1) + "'; export it as an unencrypted PKCS#8 'PRIVATE KEY'");
                    default -> {
                        // other blocks (e.g. parameters) are not needed
                    }
                }
            }
        } catch (GeneralSecurityException e) {
            throw new IllegalArgumentException("the PEM cannot be read (" + e.getClass().getSimpleName() + ")", e);
        }
        if (key == null || certs.isEmpty()) {
            throw new IllegalArgumentException("the PEM must hold a private key and its certificate; found "
                    + (key == null ? "no private key" : "a key") + " and " + certs.size() + " certificate(s)");
        }
        return new ClientCertificate(key, certs, version);
    }

    private static PrivateKey privateKey(byte[] der) throws GeneralSecurityException {
        PKCS8EncodedKeySpec spec = new PKCS8EncodedKeySpec(der);
        try {
            return KeyFactory.getInstance("RSA").generatePrivate(spec);
        } catch (GeneralSecurityException e) {
            return KeyFactory.getInstance("EC").generatePrivate(spec);
        }
    }
}
