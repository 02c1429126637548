package io.graphmailer.adapter.out.identity;

import io.graphmailer.application.port.out.DiagnosticProbe;
import io.graphmailer.domain.DiagnosticCheck;
import io.graphmailer.domain.MailTransportException;

import java.security.GeneralSecurityException;
import java.security.Signature;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * The doctor's view of credentials: the certificate can be read (Key Vault reachable, allowed), its
 * private key signs, it is valid for a while yet; a token can be had for each scope in use, and it
 * carries the roles that scope needs.
 */
public final class IdentityProbe implements DiagnosticProbe {
    static final Duration EXPIRY_WARNING = Duration.ofDays(30);

    /** A scope in use and the app role its tokens should carry. {@code roleRequired}: false when Exchange RBAC may grant it instead. */
    public record ScopeNeed(String scope, String role, boolean roleRequired, String purpose) {
    }

    private final CertificateSource certificates;
    private final AccessTokenProvider tokens;
    private final List<ScopeNeed> needs;
    private final Clock clock;

    public IdentityProbe(CertificateSource certificates, AccessTokenProvider tokens, List<ScopeNeed> needs, Clock clock) {
        this.certificates = certificates;
        this.tokens = tokens;
        this.needs = List.copyOf(needs);
        this.clock = clock;
    }

    @Override
    public String area() {
        return "credentials";
    }

    @Override
    public List<DiagnosticCheck> run() {
        List<DiagnosticCheck> checks = new ArrayList<>();
        ClientCertificate certificate;
        try {
            certificate = certificates.load();
            checks.add(DiagnosticCheck.ok("certificate readable", certificates.describe() + ": version " + certificate.version()
                    + ", thumbprint " + certificate.thumbprint()));
        } catch (CertificateUnavailableException e) {
            checks.add(DiagnosticCheck.fail("certificate readable", e.getMessage(), fixFor(e.code()), "infrastructure team"));
            needs.forEach(n -> checks.add(DiagnosticCheck.skipped("token for " + n.purpose(), "no certificate")));
            return checks;
        }
        checks.add(privateKeyUsable(certificate));
        checks.add(validity(certificate));
        for (ScopeNeed need : needs) {
            checks.addAll(token(need));
        }
        tokens.signingThumbprint().ifPresent(signing -> checks.add(signingCertificate(signing, certificate)));
        return checks;
    }

    /** The token checks used the certificate the provider holds, which may be older than the one just read from the vault. */
    private static DiagnosticCheck signingCertificate(String signing, ClientCertificate inVault) {
        String name = "tokens signed with the current certificate";
        if (signing.equalsIgnoreCase(inVault.thumbprint())) {
            return DiagnosticCheck.ok(name, "thumbprint " + signing);
        }
        return DiagnosticCheck.warn(name, "the token checks above used certificate " + signing + ", but the vault now holds "
                        + inVault.thumbprint() + " (version " + inVault.version() + "), which was not tried: sends switch to it at the"
                        + " next certificate check (GRAPH_MAILER_CERTIFICATE_CHECK_INTERVAL) or when the old one is refused",
                "make sure the new certificate is uploaded to the app registration (terraform apply) before the old one is removed",
                "identity team");
    }

    private static DiagnosticCheck privateKeyUsable(ClientCertificate certificate) {
        try {
            byte[] data = "graph-mailer doctor".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
            String algorithm = "RSA".equals(certificate.privateKey().getAlgorithm()) ? "SHA256withRSA" : "SHA256withECDSA";
            Signature signer = Signature.getInstance(algorithm);
            signer.initSign(certificate.privateKey());
            signer.update(data);
            byte[] signature = signer.sign();
            Signature verifier = Signature.getInstance(algorithm);
            verifier.initVerify(certificate.certificate().getPublicKey());
            verifier.update(data);
            if (!verifier.verify(signature)) {
                return DiagnosticCheck.fail("private key matches the certificate", "a signature made with the private key does not verify"
                        + " with the certificate's public key", "store the certificate together with its own private key", "infrastructure team");
            }
            return DiagnosticCheck.ok("private key matches the certificate", algorithm + " signature verified");
        } catch (GeneralSecurityException e) {
            return DiagnosticCheck.fail("private key matches the certificate", "the private key cannot sign: " + e.getClass().getSimpleName(),
                    "re-create the certificate with an exportable RSA key", "infrastructure team");
        }
    }

    private DiagnosticCheck validity(ClientCertificate certificate) {
        Duration left = Duration.between(clock.instant(), certificate.notAfter());
        String detail = "valid until " + certificate.notAfter() + " (" + Math.max(0, left.toDays()) + " days)";
        if (left.isNegative()) {
            return DiagnosticCheck.fail("certificate validity", "expired: " + detail,
                    "renew it in Key Vault and upload the new certificate to the app registration (terraform apply)", "infrastructure team");
        }
        if (left.compareTo(EXPIRY_WARNING) < 0) {
            return DiagnosticCheck.warn("certificate validity", detail,
                    "renew soon; after Key Vault renews it, upload it to the app registration (terraform apply)", "infrastructure team");
        }
        return DiagnosticCheck.ok("certificate validity", detail);
    }

    private List<DiagnosticCheck> token(ScopeNeed need) {
        String name = "token for " + need.purpose();
        AccessToken token;
        try {
            token = tokens.freshToken(need.scope());
        } catch (MailTransportException e) {
            return List.of(DiagnosticCheck.fail(name, e.code() + ": " + e.getMessage(), "see the detail",
                    e.kind() == MailTransportException.Kind.TRANSIENT ? "infrastructure team" : "identity team"));
        }
        List<DiagnosticCheck> checks = new ArrayList<>();
        checks.add(DiagnosticCheck.ok(name, "issued for " + need.scope() + ", expires " + token.expiresOn()));
        List<String> roles = JwtClaims.roles(token.value());
        String roleCheck = "role " + need.role() + " in the " + need.purpose() + " token";
        if (roles.contains(need.role())) {
            checks.add(DiagnosticCheck.ok(roleCheck, "roles: " + String.join(", ", roles)));
        } else if (need.roleRequired()) {
            checks.add(DiagnosticCheck.fail(roleCheck, "the token's roles are " + (roles.isEmpty() ? "none" : String.join(", ", roles)),
                    "grant the application permission " + need.role() + " to graph-mailer's app registration and grant admin consent",
                    "identity team"));
        } else {
            checks.add(DiagnosticCheck.warn(roleCheck, "the token carries no " + need.role() + " role (roles: "
                            + (roles.isEmpty() ? "none" : String.join(", ", roles)) + ")",
                    "fine with Exchange RBAC for Applications (infra/exchange script, verified with Test-ServicePrincipalAuthorization);"
                            + " otherwise grant " + need.role() + " with admin consent", "email team"));
        }
        return checks;
    }

    private static String fixFor(String code) {
        return switch (code) {
            case "KeyVaultAccessDenied" -> "give the function app's managed identity the Key Vault Secrets User role on the vault";
            case "CertificateNotFound" -> "create or import the certificate in Key Vault under GRAPH_MAILER_CERTIFICATE_NAME";
            case "ManagedIdentityUnavailable" -> "enable the function app's system-assigned managed identity";
            case "CertificateInvalid" -> "create the certificate with an exportable key (PKCS#12 or PEM)";
            case "KeyVaultChallengeResourceMismatch" -> "set GRAPH_MAILER_KEY_VAULT_URL to the vault's own URL"
                    + " (https://<vault-name>.vault.azure.net, or the cloud's vault suffix), the resource its challenge names";
            case "KeyVaultTlsFailed" -> "point GRAPH_MAILER_KEY_VAULT_URL at the vault itself and let TLS to it pass uninspected";
            case "KeyVaultUnauthenticated" -> "use a managed identity of the vault's tenant";
            case "KeyVaultError" -> "see the detail: Key Vault's answer says what is wrong";
            default -> "check GRAPH_MAILER_KEY_VAULT_URL and the network path to the vault";
        };
    }
}
