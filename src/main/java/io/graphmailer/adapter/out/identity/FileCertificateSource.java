package io.graphmailer.adapter.out.identity;

import io.graphmailer.config.GraphMailerConfig;
import jakarta.enterprise.inject.Typed;
import jakarta.inject.Inject;
import jakarta.inject.Singleton;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/** For local runs: a password-less .pfx/.p12 or a .pem file instead of Key Vault. */
@Singleton
@Typed(FileCertificateSource.class) // the CertificateSource producer chooses it when graph-mailer.certificate-file is set
public final class FileCertificateSource implements CertificateSource {
    private final Path file;

    @Inject
    FileCertificateSource(GraphMailerConfig config) {
        this(config.certificateFile().orElseThrow());
    }

    FileCertificateSource(Path file) {
        this.file = file;
    }

    @Override
    public ClientCertificate load() {
        try {
            byte[] bytes = Files.readAllBytes(file);
            String version = "file:" + Files.getLastModifiedTime(file).toMillis();
            String name = file.getFileName().toString().toLowerCase();
            if (name.endsWith(".pem") || name.endsWith(".crt")) {
                return CertificateParser.pem(new String(bytes, StandardCharsets.US_ASCII), version);
            }
            return CertificateParser.pkcs12(bytes, new char[0], version);
        } catch (IOException e) {
            throw new CertificateUnavailableException("CertificateFileUnreadable",
                    "the certificate file " + file.toAbsolutePath() + " cannot be read: " + e.getClass().getSimpleName(), e);
        } catch (IllegalArgumentException e) {
            throw new CertificateUnavailableException("CertificateInvalid",
                    "the certificate file " + file.toAbsolutePath() + " is not usable: " + e.getMessage(), e);
        }
    }

    @Override
    public String describe() {
        return "certificate file " + file.toAbsolutePath();
    }
}
