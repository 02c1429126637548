package io.graphmailer.standin;

import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509ExtensionUtils;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.ContentSigner;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.math.BigInteger;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.KeyStore;
import java.security.MessageDigest;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.cert.Certificate;
import java.security.cert.CertificateEncodingException;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Date;
import java.util.List;

/**
 * Test PKI for the stand-ins: one test CA (kept under {@link #directory()} so that every JVM of the build,
 * and a separately started {@link StandinsMain}, share it), a TLS server certificate for the stand-in host
 * names, and self-signed app client certificates.
 *
 * <p>The JVM under test trusts the stand-ins through its default trust: {@link #TRUSTSTORE_FILE} holds only
 * the test CA, and Surefire points {@code javax.net.ssl.trustStore} at it. {@link StandinTrustListener}
 * calls {@link #ensureTrustMaterial()} before the first test class runs, so the file exists before any TLS.
 */
public final class StandinPki {

    /** Password of the truststore file; Surefire passes the same value as {@code javax.net.ssl.trustStorePassword}. */
    public static final String TRUSTSTORE_PASSWORD = "changeit";
    public static final String TRUSTSTORE_FILE = "truststore.p12";
    public static final String CA_PEM_FILE = "ca.pem";
    private static final String CA_STORE_FILE = "ca.p12";
    private static final String CA_ALIAS = "standin-ca";

    /** Host names in the stand-ins' TLS certificate; the same names are in the JDK hosts file. */
    public static final List<String> SERVER_HOST_NAMES = List.of(
            "localhost", "login.localhost", "graph.localhost", "vault.localhost",
            "graph-mailer-test.vault.localhost", "*.vault.localhost");

    private static final SecureRandom RANDOM = new SecureRandom();
    private static final Object LOCK = new Object();
    private static volatile StandinPki shared;

    private final Path directory;
    private final X509Certificate caCertificate;
    private final PrivateKey caKey;
    private final KeyPair serverKeyPair;
    private final X509Certificate serverCertificate;
    private final SSLContext serverSslContext;

    private StandinPki(Path directory, X509Certificate caCertificate, PrivateKey caKey) {
        this.directory = directory;
        this.caCertificate = caCertificate;
        this.caKey = caKey;
        this.serverKeyPair = newRsaKeyPair();
        this.serverCertificate = issueServerCertificate();
        this.serverSslContext = buildServerSslContext();
    }

    /** The JVM-wide PKI: loads (or creates) the test CA and writes the truststore. Safe to call often. */
    public static StandinPki shared() {
        StandinPki pki = shared;
        if (pki == null) {
            synchronized (LOCK) {
                if (shared == null) {
                    shared = loadOrCreate(directory());
                }
                pki = shared;
            }
        }
        return pki;
    }

    /** Writes the truststore (and CA) if missing; call before the first TLS use in a JVM. */
    public static Path ensureTrustMaterial() {
        return shared().truststorePath();
    }

    /** {@code standin.dir} system property, else {@code target/standin} under the working directory. */
    public static Path directory() {
        String configured = System.getProperty("standin.dir");
        return (configured == null || configured.isBlank() ? Path.of("target", "standin") : Path.of(configured))
                .toAbsolutePath().normalize();
    }

    public Path truststorePath() {
        return directory.resolve(TRUSTSTORE_FILE);
    }

    public Path caPemPath() {
        return directory.resolve(CA_PEM_FILE);
    }

    public X509Certificate caCertificate() {
        return caCertificate;
    }

    public X509Certificate serverCertificate() {
        return serverCertificate;
    }

    /** The stand-ins' server key and certificate chain as PEM, for a TLS server outside this JVM (the JS SDK test's). */
    public String serverKeyAndChainPem() {
        return pemBlock("PRIVATE KEY", serverKeyPair.getPrivate().getEncoded())
                + pemBlock("CERTIFICATE", der(serverCertificate)) + pemBlock("CERTIFICATE", der(caCertificate));
    }

    /** Server-side TLS context presenting the stand-ins' certificate (chain: server, CA). */
    public SSLContext serverSslContext() {
        return serverSslContext;
    }

    /** A new app client certificate: RSA 2048, self-signed, client-auth EKU, valid from an hour ago. */
    public static ClientCertificate newClientCertificate(String commonName, Duration validity) {
        KeyPair keyPair = newRsaKeyPair();
        Instant notBefore = Instant.now().minus(Duration.ofHours(1));
        X500Name subject = new X500Name("CN=" + commonName);
        try {
            X509v3CertificateBuilder builder = new JcaX509v3CertificateBuilder(subject, serial(),
                    Date.from(notBefore), Date.from(notBefore.plus(validity)), subject, keyPair.getPublic());
            JcaX509ExtensionUtils ext = new JcaX509ExtensionUtils();
            builder.addExtension(Extension.basicConstraints, true, new BasicConstraints(false));
            builder.addExtension(Extension.keyUsage, true,
                    new KeyUsage(KeyUsage.digitalSignature | KeyUsage.keyEncipherment));
            builder.addExtension(Extension.extendedKeyUsage, false, new ExtendedKeyUsage(KeyPurposeId.id_kp_clientAuth));
            builder.addExtension(Extension.subjectKeyIdentifier, false,
                    ext.createSubjectKeyIdentifier(keyPair.getPublic()));
            X509Certificate certificate = sign(builder, keyPair.getPrivate());
            return new ClientCertificate(certificate, keyPair.getPrivate());
        } catch (GeneralSecurityException | IOException e) {
            throw new IllegalStateException("cannot create client certificate", e);
        }
    }

    public static ClientCertificate newClientCertificate(String commonName) {
        return newClientCertificate(commonName, Duration.ofDays(365));
    }

    /** A certificate and its private key, exportable the ways Key Vault's certificate secret holds them. */
    public record ClientCertificate(X509Certificate certificate, PrivateKey privateKey) {

        public static final String PKCS12_CONTENT_TYPE = "application/x-pkcs12";
        public static final String PEM_CONTENT_TYPE = "application/x-pem-file";

        /** PFX bytes with an empty password, as in a Key Vault certificate secret. */
        public byte[] pkcs12() {
            try {
                KeyStore store = KeyStore.getInstance("PKCS12");
                store.load(null, null);
                store.setKeyEntry("1", privateKey, new char[0], new Certificate[] {certificate});
                ByteArrayOutputStream out = new ByteArrayOutputStream();
                store.store(out, new char[0]);
                return out.toByteArray();
            } catch (GeneralSecurityException | IOException e) {
                throw new IllegalStateException("cannot export PKCS#12", e);
            }
        }

        /** The secret value Key Vault returns for {@code application/x-pkcs12}: base64 of the PFX. */
        public String pkcs12Base64() {
            return Base64.getEncoder().encodeToString(pkcs12());
        }

        /** PEM text: the PKCS#8 private key, then the certificate. */
        public String pem() {
            return pemBlock("PRIVATE KEY", privateKey.getEncoded()) + pemBlock("CERTIFICATE", der(certificate));
        }

        /** Lower-case hex SHA-1 thumbprint of the certificate (what the portal shows, in upper case). */
        public String sha1Thumbprint() {
            return StandinPki.hex(StandinPki.digest("SHA-1", der(certificate)));
        }

        /** Writes PKCS#12 ({@code .pfx}) and PEM ({@code .pem}) files; returns the PFX path. */
        public Path writeTo(Path dir, String baseName) {
            try {
                Files.createDirectories(dir);
                Path pfx = dir.resolve(baseName + ".pfx");
                Files.write(pfx, pkcs12());
                Files.writeString(dir.resolve(baseName + ".pem"), pem(), StandardCharsets.US_ASCII);
                return pfx;
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        @Override
        public String toString() {
            return "ClientCertificate[" + certificate.getSubjectX500Principal() + ", sha1=" + sha1Thumbprint() + "]";
        }
    }

    static String pemBlock(String type, byte[] der) {
        String body = Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII)).encodeToString(der);
        return "-----BEGIN " + type + "-----\n" + body + "\n-----END " + type + "-----\n";
    }

    static byte[] der(X509Certificate certificate) {
        try {
            return certificate.getEncoded();
        } catch (CertificateEncodingException e) {
            throw new IllegalStateException(e);
        }
    }

    static byte[] digest(String algorithm, byte[] data) {
        try {
            return MessageDigest.getInstance(algorithm).digest(data);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    static String hex(byte[] bytes) {
        StringBuilder sb = new StringBuilder(bytes.length * 2);
        for (byte b : bytes) {
            sb.append(Character.forDigit((b >> 4) & 0xF, 16)).append(Character.forDigit(b & 0xF, 16));
        }
        return sb.toString();
    }

    static KeyPair newRsaKeyPair() {
        try {
            KeyPairGenerator generator = KeyPairGenerator.getInstance("RSA");
            generator.initialize(2048, RANDOM);
            return generator.generateKeyPair();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    private static BigInteger serial() {
        return new BigInteger(64, RANDOM).abs().add(BigInteger.ONE);
    }

    private static X509Certificate sign(X509v3CertificateBuilder builder, PrivateKey signer) {
        try {
            ContentSigner contentSigner = new JcaContentSignerBuilder("SHA256withRSA").build(signer);
            return new JcaX509CertificateConverter().getCertificate(builder.build(contentSigner));
        } catch (Exception e) {
            throw new IllegalStateException("cannot sign certificate", e);
        }
    }

    private static StandinPki loadOrCreate(Path dir) {
        try {
            Files.createDirectories(dir);
            // A file lock, because the test JVM and a StandinsMain process may start at the same time.
            try (FileChannel channel = FileChannel.open(dir.resolve(".lock"),
                    StandardOpenOption.CREATE, StandardOpenOption.WRITE);
                 FileLock ignored = channel.lock()) {
                Path caStore = dir.resolve(CA_STORE_FILE);
                X509Certificate caCert = null;
                PrivateKey caKey = null;
                if (Files.exists(caStore)) {
                    KeyStore store = KeyStore.getInstance("PKCS12");
                    try (InputStream in = Files.newInputStream(caStore)) {
                        store.load(in, TRUSTSTORE_PASSWORD.toCharArray());
                    }
                    X509Certificate existing = (X509Certificate) store.getCertificate(CA_ALIAS);
                    if (existing != null && existing.getNotAfter().toInstant()
                            .isAfter(Instant.now().plus(Duration.ofDays(30)))) {
                        caCert = existing;
                        caKey = (PrivateKey) store.getKey(CA_ALIAS, TRUSTSTORE_PASSWORD.toCharArray());
                    }
                }
                if (caCert == null) {
                    KeyPair caPair = newRsaKeyPair();
                    caCert = issueCa(caPair);
                    caKey = caPair.getPrivate();
                    KeyStore store = KeyStore.getInstance("PKCS12");
                    store.load(null, null);
                    store.setKeyEntry(CA_ALIAS, caKey, TRUSTSTORE_PASSWORD.toCharArray(), new Certificate[] {caCert});
                    writeAtomically(dir, caStore, out -> store.store(out, TRUSTSTORE_PASSWORD.toCharArray()));
                }
                X509Certificate trusted = caCert;
                KeyStore trust = KeyStore.getInstance("PKCS12");
                trust.load(null, null);
                trust.setCertificateEntry(CA_ALIAS, trusted);
                Path truststore = dir.resolve(TRUSTSTORE_FILE);
                if (!Files.exists(truststore) || !containsCertificate(truststore, trusted)) {
                    writeAtomically(dir, truststore, out -> trust.store(out, TRUSTSTORE_PASSWORD.toCharArray()));
                }
                Files.writeString(dir.resolve(CA_PEM_FILE), pemBlock("CERTIFICATE", der(trusted)),
                        StandardCharsets.US_ASCII);
                return new StandinPki(dir, caCert, caKey);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("cannot prepare stand-in PKI", e);
        }
    }

    private static boolean containsCertificate(Path truststore, X509Certificate certificate) {
        try (InputStream in = Files.newInputStream(truststore)) {
            KeyStore store = KeyStore.getInstance("PKCS12");
            store.load(in, TRUSTSTORE_PASSWORD.toCharArray());
            return store.getCertificateAlias(certificate) != null;
        } catch (IOException | GeneralSecurityException e) {
            return false;
        }
    }

    private interface StoreWriter {
        void write(OutputStream out) throws IOException, GeneralSecurityException;
    }

    private static void writeAtomically(Path dir, Path target, StoreWriter writer)
            throws IOException, GeneralSecurityException {
        Path tmp = Files.createTempFile(dir, target.getFileName().toString(), ".tmp");
        try (OutputStream out = Files.newOutputStream(tmp)) {
            writer.write(out);
        }
        Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    private static X509Certificate issueCa(KeyPair caPair) throws GeneralSecurityException, IOException {
        Instant notBefore = Instant.now().minus(Duration.ofDays(1));
        X500Name name = new X500Name("CN=graph-mailer stand-in test CA, O=graph-mailer tests");
        X509v3CertificateBuilder builder = new JcaX509v3CertificateBuilder(name, serial(), Date.from(notBefore),
                Date.from(notBefore.plus(Duration.ofDays(3650))), name, caPair.getPublic());
        JcaX509ExtensionUtils ext = new JcaX509ExtensionUtils();
        builder.addExtension(Extension.basicConstraints, true, new BasicConstraints(0));
        builder.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign));
        builder.addExtension(Extension.subjectKeyIdentifier, false, ext.createSubjectKeyIdentifier(caPair.getPublic()));
        return sign(builder, caPair.getPrivate());
    }

    private X509Certificate issueServerCertificate() {
        Instant notBefore = Instant.now().minus(Duration.ofHours(1));
        try {
            List<GeneralName> names = new ArrayList<>();
            for (String host : SERVER_HOST_NAMES) {
                names.add(new GeneralName(GeneralName.dNSName, host));
            }
            names.add(new GeneralName(GeneralName.iPAddress, "127.0.0.1"));
            X509v3CertificateBuilder builder = new JcaX509v3CertificateBuilder(caCertificate, serial(),
                    Date.from(notBefore), Date.from(notBefore.plus(Duration.ofDays(30))),
                    new X500Name("CN=localhost, O=graph-mailer stand-ins"), serverKeyPair.getPublic());
            JcaX509ExtensionUtils ext = new JcaX509ExtensionUtils();
            builder.addExtension(Extension.basicConstraints, true, new BasicConstraints(false));
            builder.addExtension(Extension.keyUsage, true,
                    new KeyUsage(KeyUsage.digitalSignature | KeyUsage.keyEncipherment));
            builder.addExtension(Extension.extendedKeyUsage, false, new ExtendedKeyUsage(KeyPurposeId.id_kp_serverAuth));
            builder.addExtension(Extension.subjectAlternativeName, false,
                    new GeneralNames(names.toArray(new GeneralName[0])));
            builder.addExtension(Extension.authorityKeyIdentifier, false,
                    ext.createAuthorityKeyIdentifier(caCertificate));
            return sign(builder, caKey);
        } catch (GeneralSecurityException | IOException e) {
            throw new IllegalStateException("cannot issue server certificate", e);
        }
    }

    private SSLContext buildServerSslContext() {
        try {
            char[] password = TRUSTSTORE_PASSWORD.toCharArray();
            KeyStore keyStore = KeyStore.getInstance("PKCS12");
            keyStore.load(null, null);
            keyStore.setKeyEntry("server", serverKeyPair.getPrivate(), password,
                    new Certificate[] {serverCertificate, caCertificate});
            KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
            kmf.init(keyStore, password);
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(kmf.getKeyManagers(), null, RANDOM);
            return context;
        } catch (GeneralSecurityException | IOException e) {
            throw new IllegalStateException("cannot build server TLS context", e);
        }
    }
}
