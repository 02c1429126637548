package io.graphmailer.support;

import com.azure.core.http.policy.FixedDelayOptions;
import com.azure.core.http.policy.RetryOptions;
import com.azure.identity.ManagedIdentityCredentialBuilder;
import com.azure.security.keyvault.keys.cryptography.CryptographyClient;
import com.azure.security.keyvault.keys.cryptography.CryptographyClientBuilder;
import com.azure.storage.blob.BlobClient;
import com.azure.storage.blob.BlobClientBuilder;
import io.graphmailer.adapter.out.identity.BlobTokenCacheStore;
import io.graphmailer.standin.Standins;

import java.time.Duration;
import java.util.UUID;
import java.util.function.Function;

/**
 * The encrypted token cache store as the app builds it, on the shared Azurite and the Key Vault stand-in: blobs in a
 * container, wrapped with the key {@link #KEY_NAME} through the managed identity. Tests that sign in or read stored
 * sign-ins build theirs here, each in a container of its own.
 */
public final class TokenCacheStores {
    public static final String KEY_NAME = "graph-mailer-token-cache";

    private TokenCacheStores() {
    }

    /** A container URL no other test uses. */
    public static String newContainer() {
        return Azurite.shared().blobEndpoint() + "/tokens-" + UUID.randomUUID().toString().substring(0, 8);
    }

    /** The store on {@code containerUrl}; the key must exist in the vault stand-in ({@code createKey(KEY_NAME)}). */
    public static BlobTokenCacheStore at(String containerUrl) {
        return new BlobTokenCacheStore(containerUrl, blobs(), keys(), Standins.shared().vaultUrl() + "/keys/" + KEY_NAME);
    }

    public static Function<String, BlobClient> blobs() {
        String connection = Azurite.shared().connectionString();
        return url -> new BlobClientBuilder().endpoint(url).connectionString(connection).endpoint(url).buildClient();
    }

    /** Key Vault clients that do not wait between retries (the stand-in answers at once). */
    public static Function<String, CryptographyClient> keys() {
        return id -> new CryptographyClientBuilder().keyIdentifier(id).credential(new ManagedIdentityCredentialBuilder().build())
                .retryOptions(new RetryOptions(new FixedDelayOptions(0, Duration.ofMillis(10)))).buildClient();
    }
}
