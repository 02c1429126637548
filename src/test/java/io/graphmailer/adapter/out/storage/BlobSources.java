package io.graphmailer.adapter.out.storage;

import com.azure.core.http.HttpClient;
import com.azure.storage.blob.BlobClientBuilder;
import com.azure.storage.common.StorageSharedKeyCredential;
import io.graphmailer.domain.BlobAllowlist;

/** Blob attachment sources for tests, on Azurite's account key (production gets its blob clients from AzureClients). */
final class BlobSources {
    private BlobSources() {
    }

    static BlobAttachmentSource withConnectionString(BlobAllowlist allowlist, String connectionString, int blockBytes) {
        HttpClient http = HttpClient.createDefault();
        StorageSharedKeyCredential key = StorageSharedKeyCredential.fromConnectionString(connectionString);
        return new BlobAttachmentSource(allowlist, url -> new BlobClientBuilder().endpoint(url).credential(key)
                .httpClient(http).buildClient(), blockBytes);
    }
}
