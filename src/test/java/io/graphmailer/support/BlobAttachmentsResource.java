package io.graphmailer.support;

import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;

import java.util.Map;

/**
 * Attachments by reference from Azurite's blob service: container {@value #CONTAINER} is the one allowed container,
 * read with Azurite's connection string (the managed identity cannot be used over http).
 */
public class BlobAttachmentsResource implements QuarkusTestResourceLifecycleManager {
    public static final String CONTAINER = "mail-attachments";

    @Override
    public Map<String, String> start() {
        Azurite azurite = Azurite.shared();
        return Map.of(
                "graph-mailer.attachments.allowed-blob-prefixes", containerUrl(),
                "graph-mailer.attachments.blob-connection-string", azurite.connectionString());
    }

    public static String containerUrl() {
        return Azurite.shared().blobEndpoint() + "/" + CONTAINER + "/";
    }

    @Override
    public void stop() {
    }
}
