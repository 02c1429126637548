package io.graphmailer.adapter.out.identity;

import com.azure.core.http.policy.FixedDelayOptions;
import com.azure.core.http.policy.RetryOptions;
import com.azure.identity.ManagedIdentityCredentialBuilder;
import com.azure.security.keyvault.keys.cryptography.CryptographyClient;
import com.azure.security.keyvault.keys.cryptography.CryptographyClientBuilder;
import com.azure.storage.blob.BlobClient;
import com.azure.storage.blob.BlobClientBuilder;
import io.graphmailer.domain.MailTransportException;
import io.graphmailer.domain.Mailbox;
import io.graphmailer.standin.Standins;
import io.graphmailer.support.Azurite;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import java.util.function.Function;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

/** The encrypted token cache store on Azurite's blobs with the Key Vault stand-in's wrapKey/unwrapKey (ADR 0019). */
class BlobTokenCacheStoreTest {
    static final String KEY_NAME = "graph-mailer-token-cache";
    private final Standins standins = Standins.shared();
    private final Azurite azurite = Azurite.shared();
    private final String container = azurite.blobEndpoint() + "/tokens-" + UUID.randomUUID().toString().substring(0, 8);
    private final Mailbox alice = new Mailbox("alice@contoso.test");
    private final TokenCacheStore.SignInFacts facts = new TokenCacheStore.SignInFacts("alice@contoso.test",
            List.of("https://graph.microsoft.com/Mail.Send"), Instant.parse("2026-12-01T10:00:00Z"), Instant.parse("2026-12-01T10:00:00Z"));

    @BeforeEach
    void reset() {
        standins.reset();
        standins.keyVault().createKey(KEY_NAME);
        standins.keyVault().grantCryptoUser(standins.functionIdentityOid());
    }

    static Function<String, BlobClient> blobs(Azurite azurite) {
        return url -> new BlobClientBuilder().endpoint(url).connectionString(azurite.connectionString()).endpoint(url).buildClient();
    }

    static Function<String, CryptographyClient> keys() {
        return id -> new CryptographyClientBuilder().keyIdentifier(id).credential(new ManagedIdentityCredentialBuilder().build())
                .retryOptions(new RetryOptions(new FixedDelayOptions(0, Duration.ofMillis(10)))).buildClient();
    }

    private BlobTokenCacheStore store() {
        return new BlobTokenCacheStore(container, blobs(azurite), keys(), standins.vaultUrl() + "/keys/" + KEY_NAME);
    }

    @Test
    void givenACacheWritten_thenANewStoreReadsItBackAndTheBlobHoldsNoByteOfIt() {
        BlobTokenCacheStore first = store();
        first.write(alice, "{\"RefreshToken\":{\"secret\":\"rt-SECRET-123\"}}", facts, null);

        BlobTokenCacheStore restarted = store();
        TokenCacheStore.Stored stored = restarted.read(alice).orElseThrow();

        assertThat(stored.cache()).isEqualTo("{\"RefreshToken\":{\"secret\":\"rt-SECRET-123\"}}");
        assertThat(stored.facts()).isEqualTo(facts);
        assertThat(standins.keyVault().unwraps()).as("the restarted store unwrapped the data key once").isEqualTo(1);
        String raw = new String(blobs(azurite).apply(restarted.blobUrl(alice)).downloadContent().toBytes(), StandardCharsets.UTF_8);
        assertThat(raw).contains(BlobTokenCacheStore.FORMAT).doesNotContain("rt-SECRET-123").doesNotContain("RefreshToken");
        assertThat(stored.toString()).doesNotContain("rt-SECRET-123");
    }

    @Test
    void givenTwoWritersBasedOnOneVersion_thenTheSecondGetsAConflictAndTheFirstWriteStays() {
        BlobTokenCacheStore a = store();
        BlobTokenCacheStore b = store();
        String v1 = a.write(alice, "one", facts, null);
        assertThat(b.read(alice).orElseThrow().version()).isEqualTo(v1);

        a.write(alice, "two-from-a", facts, v1);
        TokenCacheStore.Conflict conflict = catchThrowableOfType(TokenCacheStore.Conflict.class, () -> b.write(alice, "two-from-b", facts, v1));

        assertThat(conflict).isNotNull();
        assertThat(b.read(alice).orElseThrow().cache()).isEqualTo("two-from-a");
        assertThat(catchThrowableOfType(TokenCacheStore.Conflict.class, () -> b.write(alice, "again", facts, null)))
                .as("a first write when one exists").isNotNull();
    }

    @Test
    void givenOneMailboxsBlobCopiedOverAnothers_thenItCannotBeDecrypted() {
        BlobTokenCacheStore store = store();
        Mailbox bob = new Mailbox("bob@contoso.test");
        store.write(alice, "alice's cache", facts, null);
        byte[] alices = blobs(azurite).apply(store.blobUrl(alice)).downloadContent().toBytes();
        blobs(azurite).apply(store.blobUrl(bob)).upload(com.azure.core.util.BinaryData.fromBytes(alices), true);

        MailTransportException e = catchThrowableOfType(MailTransportException.class, () -> store().read(bob));

        assertThat(e.code()).isEqualTo("TokenCacheUnreadable");
        assertThat(e.getMessage()).contains("graph-mailer signin bob@contoso.test");
    }

    @Test
    void givenNoCryptoRoleOnTheKey_thenTheWriteNamesTheRoleToGrant() {
        standins.keyVault().reset();
        standins.keyVault().createKey(KEY_NAME);

        MailTransportException e = catchThrowableOfType(MailTransportException.class, () -> store().write(alice, "c", facts, null));

        assertThat(e.code()).isEqualTo("TokenCacheKeyUnavailable");
        assertThat(e.getMessage()).contains("HTTP 403").contains("Key Vault Crypto Service Encryption User");
        assertThat(e.kind()).isEqualTo(MailTransportException.Kind.CONFIGURATION);
    }

    @Test
    void givenSignOut_thenTheCacheIsGoneAndFactsAreEmpty() {
        BlobTokenCacheStore store = store();
        store.write(alice, "c", facts, null);

        assertThat(store.delete(alice)).isTrue();
        assertThat(store.read(alice)).isEmpty();
        assertThat(store.facts(alice)).isEmpty();
        assertThat(store.delete(alice)).isFalse();
    }
}
