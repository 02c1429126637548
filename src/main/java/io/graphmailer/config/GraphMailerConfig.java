package io.graphmailer.config;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import io.smallrye.config.WithName;

import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * Every graph-mailer setting (env vars {@code GRAPH_MAILER_...}). README.md lists each one; keep both in step.
 */
@ConfigMapping(prefix = "graph-mailer")
public interface GraphMailerConfig {

    /** Mailboxes (UPN or object id) this deployment may send as. */
    List<String> allowedSenders();

    /** Where accepted mail goes. */
    @WithDefault("graph")
    TransportKind transport();

    /** Directory tenant (GUID or domain) of the app registration and of callers' tokens. */
    Optional<String> tenantId();

    CallerAuth callerAuth();

    Outbox outbox();

    Limits limits();

    enum TransportKind { OUTBOX, GRAPH }

    enum CallerAuthMode {
        /** Validate a Microsoft Entra ID bearer token: issuer, audience, required app role. */
        ENTRA,
        /** The Azure Functions host has checked the function key; only valid behind that host. */
        HOST_KEY,
        /** No caller authentication: the dev profile only. */
        NONE
    }

    interface CallerAuth {
        @WithDefault("entra")
        CallerAuthMode mode();

        /** Expected {@code aud}: our app's client id or Application ID URI. */
        Optional<String> audience();

        /** App role the caller's token must carry in {@code roles}. */
        @WithDefault("GraphMailer.Send")
        String requiredRole();

        /** Expected {@code iss}; defaults to the v2.0 issuer of {@code tenant-id}. */
        Optional<String> issuer();

        /** Where the signing keys are; defaults to the tenant's v2.0 JWKS. Also file: or classpath: locations. */
        Optional<String> jwksUrl();
    }

    interface Outbox {
        /** Folder the outbox transport writes .eml files to. */
        @WithDefault("outbox")
        Path directory();
    }

    interface Limits {
        /** Largest request body accepted (Graph's sendMail takes about 4 MB). */
        @WithDefault("4194304")
        int maxRequestBytes();

        /** Recipients (to + cc + bcc) per message; Exchange's default is 500. */
        @WithDefault("500")
        int maxRecipients();
    }
}
