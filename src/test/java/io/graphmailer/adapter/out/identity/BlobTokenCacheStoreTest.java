package io.graphmailer.adapter.out.identity;

import io.graphmailer.domain.MailTransportException;
import io.graphmailer.domain.Mailbox;
import io.graphmailer.standin.Standins;
import io.graphmailer.support.TokenCacheStores;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

/** The encrypted token cache store on Azurite's blobs with the Key Vault stand-in's wrapKey/unwrapKey (ADR 0019). */
class BlobTokenCacheStoreTest {
    static final String KEY_NAME = TokenCacheStores.KEY_NAME;
    private final Standins standins = Standins.shared();
    private final String container = TokenCacheStores.newContainer();
    private final Mailbox alice = new Mailbox("alice@contoso.test");
    private final TokenCacheStore.SignInFacts facts = new TokenCacheStore.SignInFacts("alice@contoso.test",
            List.of("https://graph.microsoft.com/Mail.Send"), Instant.parse("2026-12-01T10:00:00Z"), Instant.parse("2026-12-01T10:00:00Z"));

    @BeforeEach
    void reset() {
        standins.reset();
        standins.keyVault().createKey(KEY_NAME);
        standins.keyVault().grantCryptoUser(standins.functionIdentityOid());
    }



    private BlobTokenCacheStore store() {
        return TokenCacheStores.at(container);
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
        String raw = new String(TokenCacheStores.blobs().apply(restarted.blobUrl(alice)).downloadContent().toBytes(), StandardCharsets.UTF_8);
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
        byte[] alices = TokenCacheStores.blobs().apply(store.blobUrl(alice)).downloadContent().toBytes();
        TokenCacheStores.blobs().apply(store.blobUrl(bob)).upload(com.azure.core.util.BinaryData.fromBytes(alices), true);

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
