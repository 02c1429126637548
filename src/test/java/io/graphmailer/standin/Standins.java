package io.graphmailer.standin;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Starts the four stand-ins together with one tenant, one app registration (certificate credential, Graph
 * {@code Mail.Send}), the function's managed identity (Key Vault Secrets User), the app certificate stored in the
 * vault as {@value #CERTIFICATE_NAME} (PKCS#12) and one mailbox {@value #MAILBOX}.
 *
 * <p>Tests use {@link #shared()} (one set per JVM, bound once, so the managed-identity port from the environment
 * is reused) and call {@link #reset()} before each test to get back to exactly this state.
 */
public final class Standins implements AutoCloseable {

    public static final String TENANT_ID = "6e9f1c2a-3b4d-4e5f-8a9b-0c1d2e3f4a5b";
    public static final String CLIENT_ID = "3c5d7e9f-1a2b-4c3d-9e8f-7a6b5c4d3e2f";
    /** Object id of the app's service principal ({@code oid} in its app tokens). */
    public static final String SERVICE_PRINCIPAL_OID = "9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d";
    /** Client id and object id of the function's system-assigned managed identity. */
    public static final String FUNCTION_IDENTITY_CLIENT_ID = "1f2e3d4c-5b6a-4978-8a6b-5c4d3e2f1a0b";
    public static final String FUNCTION_IDENTITY_OID = "4b3a2918-0f1e-4d2c-9b8a-7f6e5d4c3b2a";
    public static final String CERTIFICATE_NAME = "graph-mailer-cert";
    public static final String MAILBOX = "mailer@contoso.test";

    private static Standins shared;

    private final IdentityPlatformStandin identity;
    private final ManagedIdentityStandin managedIdentity;
    private final KeyVaultStandin keyVault;
    private final GraphStandin graph;
    private volatile StandinPki.ClientCertificate clientCertificate;
    private volatile String mailboxObjectId;

    private Standins() {
        StandinPki.ensureTrustMaterial();
        identity = new IdentityPlatformStandin();
        managedIdentity = ManagedIdentityStandin.fromEnvironment(identity, TENANT_ID,
                new ManagedIdentityStandin.Identity(FUNCTION_IDENTITY_CLIENT_ID, FUNCTION_IDENTITY_OID,
                        "/subscriptions/00000000-0000-0000-0000-000000000000/resourcegroups/graph-mailer/providers"
                                + "/Microsoft.Web/sites/graph-mailer-func"));
        keyVault = new KeyVaultStandin(identity, TENANT_ID);
        graph = new GraphStandin(identity);
    }

    /** A new, started set (managed identity on the {@code IDENTITY_ENDPOINT} port when that is set). */
    private static final String CLOSER_PROPERTY = "graph-mailer.standin.closer";

    public static Standins start() {
        Standins standins = new Standins();
        standins.identity.start();
        standins.managedIdentity.start();
        standins.keyVault.start();
        standins.graph.start();
        standins.reset();
        return standins;
    }

    /**
     * One started set per class loader (never closed; its threads are daemons). Call {@link #reset()} per test.
     * Quarkus loads test classes anew for each test app, so a set made by an earlier class loader may
     * still hold the managed-identity port (fixed by the environment): it is closed first, through a
     * JDK-typed handle kept in the system properties.
     */
    public static synchronized Standins shared() {
        if (shared == null) {
            synchronized (System.getProperties()) {
                Object previous = System.getProperties().remove(CLOSER_PROPERTY);
                if (previous instanceof Runnable closer) {
                    closer.run();
                }
                shared = start();
                Standins created = shared;
                System.getProperties().put(CLOSER_PROPERTY, (Runnable) created::close);
            }
        }
        return shared;
    }

    /** Back to the documented initial state; keeps ports, keys and the client certificate. */
    public synchronized void reset() {
        if (clientCertificate == null) {
            clientCertificate = StandinPki.newClientCertificate("graph-mailer test app");
        }
        identity.reset();
        identity.registerTenant(TENANT_ID);
        identity.registerApp(TENANT_ID, CLIENT_ID, SERVICE_PRINCIPAL_OID, List.of(clientCertificate.certificate()),
                Map.of(IdentityPlatformStandin.GRAPH_RESOURCE, Set.of(GraphStandin.MAIL_SEND)));
        managedIdentity.reset();
        keyVault.reset();
        keyVault.grantSecretsUser(FUNCTION_IDENTITY_OID);
        keyVault.putCertificate(CERTIFICATE_NAME, clientCertificate, KeyVaultStandin.CertificateFormat.PKCS12);
        graph.reset();
        if (mailboxObjectId == null) {
            mailboxObjectId = java.util.UUID.randomUUID().toString();
        }
        graph.addMailbox(MAILBOX, mailboxObjectId);
        for (StandinServer server : List.of(identity, managedIdentity, keyVault, graph)) {
            if (!server.isRunning()) {
                server.start();
            }
        }
    }

    /**
     * Certificate rotation: a new app certificate is added to the app registration (the old one stays valid
     * until {@link IdentityPlatformStandin#unregisterCertificate}) and stored as a new version of the vault
     * certificate. Returns the new certificate.
     */
    public synchronized StandinPki.ClientCertificate rotateClientCertificate() {
        StandinPki.ClientCertificate next = StandinPki.newClientCertificate("graph-mailer test app (rotated)");
        identity.addCertificate(CLIENT_ID, next.certificate());
        keyVault.putCertificate(CERTIFICATE_NAME, next, KeyVaultStandin.CertificateFormat.PKCS12);
        clientCertificate = next;
        return next;
    }

    public IdentityPlatformStandin identity() {
        return identity;
    }

    public ManagedIdentityStandin managedIdentity() {
        return managedIdentity;
    }

    public KeyVaultStandin keyVault() {
        return keyVault;
    }

    public GraphStandin graph() {
        return graph;
    }

    public String tenantId() {
        return TENANT_ID;
    }

    public String clientId() {
        return CLIENT_ID;
    }

    public String functionIdentityOid() {
        return FUNCTION_IDENTITY_OID;
    }

    public String mailbox() {
        return MAILBOX;
    }

    /** The app certificate currently registered and in the vault. */
    public StandinPki.ClientCertificate clientCertificate() {
        return clientCertificate;
    }

    /** For MSAL4J {@code oidcAuthority(...)}. */
    public String oidcAuthority() {
        return identity.oidcAuthority(TENANT_ID);
    }

    public String authority() {
        return identity.authority(TENANT_ID);
    }

    public String tokenUrl() {
        return identity.tokenUrl(TENANT_ID);
    }

    public String vaultUrl() {
        return keyVault.vaultUrl();
    }

    public String graphUrl() {
        return graph.graphUrl();
    }

    public String identityEndpoint() {
        return managedIdentity.endpoint();
    }

    public String identityHeader() {
        return managedIdentity.identityHeader();
    }

    /**
     * The settings that point a graph-mailer process at these stand-ins: the Graph transport, the app registration
     * (tenant, client id, authority), the certificate in the Key Vault stand-in and the managed identity that reads it.
     * Each caller adds its own trigger, storage, caller auth and limits.
     */
    public Map<String, String> appSettings() {
        Map<String, String> settings = new LinkedHashMap<>();
        settings.put("GRAPH_MAILER_TRANSPORT", "graph");
        settings.put("GRAPH_MAILER_TENANT_ID", tenantId());
        settings.put("GRAPH_MAILER_CLIENT_ID", clientId());
        settings.put("GRAPH_MAILER_KEY_VAULT_URL", vaultUrl());
        settings.put("GRAPH_MAILER_CERTIFICATE_NAME", CERTIFICATE_NAME);
        settings.put("GRAPH_MAILER_AUTHORITY_HOST", identity().baseUrl());
        settings.put("GRAPH_MAILER_GRAPH_BASE_URL", graph().baseUrl());
        settings.put("IDENTITY_ENDPOINT", identityEndpoint());
        settings.put("IDENTITY_HEADER", identityHeader());
        // An app a test starts listens on loopback only (the Functions host, too, calls 127.0.0.1).
        settings.put("QUARKUS_HTTP_HOST", "127.0.0.1");
        return settings;
    }

    public Path truststore() {
        return StandinPki.shared().truststorePath();
    }

    /**
     * The JDK hosts file mapping the stand-in names to 127.0.0.1: the one this JVM uses
     * ({@code jdk.net.hosts.file}) or a copy of {@code standin/hosts} written under {@link StandinPki#directory()}.
     */
    public static Path hostsFile() {
        String configured = System.getProperty("jdk.net.hosts.file");
        if (configured != null && !configured.isBlank()) {
            return Path.of(configured).toAbsolutePath();
        }
        Path target = StandinPki.directory().resolve("hosts");
        try (InputStream in = Standins.class.getResourceAsStream("/standin/hosts")) {
            if (in == null) {
                throw new IllegalStateException("standin/hosts is not on the class path");
            }
            Files.createDirectories(target.getParent());
            Files.copy(in, target, StandardCopyOption.REPLACE_EXISTING);
            return target;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Everything a client process needs, for {@link StandinsMain}'s JSON line. */
    public Map<String, Object> describe() {
        Path certificateFile = clientCertificate.writeTo(StandinPki.directory(), "client-certificate");
        Map<String, Object> values = new LinkedHashMap<>();
        values.put("tenantId", TENANT_ID);
        values.put("clientId", CLIENT_ID);
        values.put("servicePrincipalOid", SERVICE_PRINCIPAL_OID);
        values.put("functionIdentityClientId", FUNCTION_IDENTITY_CLIENT_ID);
        values.put("functionIdentityOid", FUNCTION_IDENTITY_OID);
        values.put("mailbox", MAILBOX);
        values.put("authority", authority());
        values.put("oidcAuthority", oidcAuthority());
        values.put("tokenUrl", tokenUrl());
        values.put("graphUrl", graphUrl());
        values.put("vaultUrl", vaultUrl());
        values.put("certificateName", CERTIFICATE_NAME);
        values.put("identityEndpoint", identityEndpoint());
        values.put("identityHeader", identityHeader());
        values.put("truststore", truststore().toString());
        values.put("truststorePassword", StandinPki.TRUSTSTORE_PASSWORD);
        values.put("truststoreType", "PKCS12");
        values.put("hostsFile", hostsFile().toString());
        values.put("clientCertificatePfx", certificateFile.toString());
        values.put("clientCertificatePem",
                certificateFile.resolveSibling("client-certificate.pem").toString());
        return values;
    }

    /** Stops all four servers. */
    @Override
    public void close() {
        graph.stop();
        keyVault.stop();
        managedIdentity.stop();
        identity.stop();
    }
}
