package io.graphmailer.adapter.out.identity;

import com.azure.core.util.BinaryData;
import com.azure.security.keyvault.keys.cryptography.CryptographyClient;
import com.azure.security.keyvault.keys.cryptography.models.KeyWrapAlgorithm;
import com.azure.security.keyvault.keys.cryptography.models.UnwrapResult;
import com.azure.security.keyvault.keys.cryptography.models.WrapResult;
import com.azure.storage.blob.BlobClient;
import com.azure.storage.blob.models.BlobErrorCode;
import com.azure.storage.blob.models.BlobHttpHeaders;
import com.azure.storage.blob.models.BlobProperties;
import com.azure.storage.blob.models.BlobRequestConditions;
import com.azure.storage.blob.models.BlobStorageException;
import com.azure.storage.blob.options.BlobParallelUploadOptions;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.graphmailer.adapter.out.azure.AzureClients;
import io.graphmailer.config.GraphMailerConfig;
import io.graphmailer.domain.MailTransportException;
import io.graphmailer.domain.MailTransportException.Kind;
import io.graphmailer.domain.Mailbox;
import jakarta.inject.Inject;
import jakarta.inject.Singleton;

import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.time.Instant;
import java.util.Arrays;
import java.util.Base64;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;

/**
 * One blob per delegated mailbox in {@code GRAPH_MAILER_DELEGATED_TOKEN_CONTAINER_URL}: MSAL's serialized cache,
 * AES-256-GCM encrypted (the mailbox bound in as associated data) with a data key that Key Vault's RSA key
 * {@code GRAPH_MAILER_DELEGATED_KEY_NAME} wraps (RSA-OAEP-256). Writes carry If-Match on the ETag read (If-None-Match
 * for a first write), so two processes that refresh at once cannot silently overwrite each other (docs/adr/0019).
 * The sign-in facts (account, scopes, times) are the blob's metadata, readable without Key Vault.
 */
@Singleton
public final class BlobTokenCacheStore implements TokenCacheStore {
    static final String FORMAT = "graph-mailer-token-cache/1";
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final SecureRandom RANDOM = new SecureRandom();

    /** A data key in the clear (kept in memory only) with its wrapped form and the key version that wrapped it. */
    private record DataKey(byte[] key, String wrapped, String kid) {
    }

    private final String containerUrl;
    private final Function<String, BlobClient> blobs;
    private final Function<String, CryptographyClient> keys;
    private final String keyId;
    /** The data key last used per mailbox: a write reuses it with a new nonce (one unwrap per process, not per write). */
    private final Map<String, DataKey> dataKeys = new ConcurrentHashMap<>();

    @Inject
    BlobTokenCacheStore(GraphMailerConfig config, AzureClients azure) {
        this(config.delegated().tokenContainerUrl().orElseThrow(), azure::blob, azure::cryptography,
                stripSlash(config.keyVaultUrl().orElseThrow()) + "/keys/" + config.delegated().keyName());
    }

    public BlobTokenCacheStore(String containerUrl, Function<String, BlobClient> blobs, Function<String, CryptographyClient> keys, String keyId) {
        this.containerUrl = stripSlash(containerUrl);
        this.blobs = blobs;
        this.keys = keys;
        this.keyId = keyId;
    }

    @Override
    public String describe() {
        return containerUrl;
    }

    /** The blob of a mailbox: a hash of its key, so no spelling of an address needs escaping; the mailbox is in the metadata. */
    String blobUrl(Mailbox mailbox) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(mailbox.key().getBytes(StandardCharsets.UTF_8));
            return containerUrl + "/" + HexFormat.of().formatHex(digest, 0, 16) + ".tokencache";
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public Optional<Stored> read(Mailbox mailbox) {
        BlobClient blob = blobs.apply(blobUrl(mailbox));
        com.azure.storage.blob.models.BlobDownloadContentResponse response;
        try {
            response = blob.downloadContentWithResponse(null, null, null, com.azure.core.util.Context.NONE);
        } catch (BlobStorageException e) {
            if (e.getStatusCode() == 404) {
                return Optional.empty();
            }
            throw unavailable(mailbox, e);
        }
        String etag = response.getDeserializedHeaders().getETag();
        Map<String, String> metadata = response.getDeserializedHeaders().getMetadata();
        String cache = decrypt(mailbox, response.getValue().toBytes());
        return Optional.of(new Stored(cache, etag, facts(metadata)));
    }

    @Override
    public Optional<SignInFacts> facts(Mailbox mailbox) {
        try {
            BlobProperties properties = blobs.apply(blobUrl(mailbox)).getProperties();
            return Optional.of(facts(properties.getMetadata()));
        } catch (BlobStorageException e) {
            if (e.getStatusCode() == 404) {
                return Optional.empty();
            }
            throw unavailable(mailbox, e);
        }
    }

    @Override
    public String write(Mailbox mailbox, String cache, SignInFacts facts, String basedOn) {
        BlobRequestConditions conditions = basedOn == null ? new BlobRequestConditions().setIfNoneMatch("*")
                : new BlobRequestConditions().setIfMatch(basedOn);
        return upload(mailbox, cache, facts, conditions);
    }

    @Override
    public String replace(Mailbox mailbox, String cache, SignInFacts facts) {
        return upload(mailbox, cache, facts, null);
    }

    private String upload(Mailbox mailbox, String cache, SignInFacts facts, BlobRequestConditions conditions) {
        byte[] body = encrypt(mailbox, cache);
        BlobParallelUploadOptions options = new BlobParallelUploadOptions(BinaryData.fromBytes(body))
                .setHeaders(new BlobHttpHeaders().setContentType("application/json"))
                .setMetadata(metadata(mailbox, facts))
                .setRequestConditions(conditions);
        BlobClient blob = blobs.apply(blobUrl(mailbox));
        try {
            return blob.uploadWithResponse(options, null, com.azure.core.util.Context.NONE).getValue().getETag();
        } catch (BlobStorageException e) {
            if (e.getStatusCode() == 412 || e.getErrorCode() == BlobErrorCode.BLOB_ALREADY_EXISTS
                    || e.getErrorCode() == BlobErrorCode.CONDITION_NOT_MET) {
                throw new Conflict(mailbox);
            }
            if (e.getErrorCode() == BlobErrorCode.CONTAINER_NOT_FOUND) {
                blob.getContainerClient().createIfNotExists();
                return blob.uploadWithResponse(options, null, com.azure.core.util.Context.NONE).getValue().getETag();
            }
            throw unavailable(mailbox, e);
        }
    }

    @Override
    public boolean delete(Mailbox mailbox) {
        dataKeys.remove(mailbox.key());
        try {
            blobs.apply(blobUrl(mailbox)).delete();
            return true;
        } catch (BlobStorageException e) {
            if (e.getStatusCode() == 404) {
                return false;
            }
            throw unavailable(mailbox, e);
        }
    }

    // ---------------------------------------------------------------- encryption

    private byte[] encrypt(Mailbox mailbox, String cache) {
        DataKey dataKey = dataKeys.computeIfAbsent(mailbox.key(), k -> newDataKey());
        byte[] iv = new byte[12];
        RANDOM.nextBytes(iv);
        try {
            Cipher cipher = Cipher.getInstance("AES/GCM/NoPadding");
            cipher.init(Cipher.ENCRYPT_MODE, new SecretKeySpec(dataKey.key(), "AES"), new GCMParameterSpec(128, iv));
            cipher.updateAAD(aad(mailbox));
            byte[] ciphertext = cipher.doFinal(cache.getBytes(StandardCharsets.UTF_8));
            ObjectNode node = JSON.createObjectNode();
            node.put("format", FORMAT);
            node.put("enc", "A256GCM");
            node.put("wrap", "RSA-OAEP-256");
            node.put("kid", dataKey.kid());
            node.put("ek", dataKey.wrapped());
            node.put("iv", Base64.getEncoder().encodeToString(iv));
            node.put("ct", Base64.getEncoder().encodeToString(ciphertext));
            return JSON.writeValueAsBytes(node);
        } catch (GeneralSecurityException | java.io.IOException e) {
            throw new IllegalStateException("cannot encrypt the token cache of " + mailbox + ": " + e.getClass().getSimpleName());
        }
    }

    private String decrypt(Mailbox mailbox, byte[] blob) {
        try {
            JsonNode node = JSON.readTree(blob);
            if (!FORMAT.equals(node.path("format").asText())) {
                throw new MailTransportException(Kind.CONFIGURATION, "TokenCacheUnreadable", "the token cache of " + mailbox + " in "
                        + containerUrl + " is not a graph-mailer token cache; run graph-mailer signin " + mailbox);
            }
            String wrapped = node.path("ek").asText();
            String kid = node.path("kid").asText();
            DataKey known = dataKeys.get(mailbox.key());
            DataKey dataKey = known != null && known.wrapped().equals(wrapped) ? known : unwrap(mailbox, wrapped, kid);
            Cipher cipher = Cipher.getInstance("AES/GCM/NoPadding");
            cipher.init(Cipher.DECRYPT_MODE, new SecretKeySpec(dataKey.key(), "AES"),
                    new GCMParameterSpec(128, Base64.getDecoder().decode(node.path("iv").asText())));
            cipher.updateAAD(aad(mailbox));
            String cache = new String(cipher.doFinal(Base64.getDecoder().decode(node.path("ct").asText())), StandardCharsets.UTF_8);
            dataKeys.put(mailbox.key(), dataKey);
            return cache;
        } catch (GeneralSecurityException | java.io.IOException | IllegalArgumentException e) {
            throw new MailTransportException(Kind.CONFIGURATION, "TokenCacheUnreadable", "the token cache of " + mailbox + " in "
                    + containerUrl + " cannot be decrypted (" + e.getClass().getSimpleName() + "): it was changed or belongs to another mailbox;"
                    + " run graph-mailer signin " + mailbox, null, null);
        }
    }

    private DataKey newDataKey() {
        byte[] key = new byte[32];
        RANDOM.nextBytes(key);
        try {
            WrapResult wrapped = keys.apply(keyId).wrapKey(KeyWrapAlgorithm.RSA_OAEP_256, key);
            return new DataKey(key, Base64.getEncoder().encodeToString(wrapped.getEncryptedKey()), wrapped.getKeyId());
        } catch (RuntimeException e) {
            Arrays.fill(key, (byte) 0);
            throw keyUnavailable("wrap", e);
        }
    }

    private DataKey unwrap(Mailbox mailbox, String wrapped, String kid) {
        try {
            UnwrapResult result = keys.apply(kid.isEmpty() ? keyId : kid).unwrapKey(KeyWrapAlgorithm.RSA_OAEP_256, Base64.getDecoder().decode(wrapped));
            return new DataKey(result.getKey(), wrapped, kid);
        } catch (RuntimeException e) {
            throw keyUnavailable("unwrap the token cache of " + mailbox + " with", e);
        }
    }

    private MailTransportException keyUnavailable(String what, RuntimeException e) {
        int status = e instanceof com.azure.core.exception.HttpResponseException h && h.getResponse() != null ? h.getResponse().getStatusCode() : 0;
        boolean denied = status == 401 || status == 403;
        return new MailTransportException(denied || status == 404 ? Kind.CONFIGURATION : Kind.TRANSIENT, "TokenCacheKeyUnavailable",
                "cannot " + what + " Key Vault key " + keyId + (status == 0 ? " (" + e.getClass().getSimpleName() + ")" : " (HTTP " + status + ")")
                        + (denied ? ": grant the function's identity Key Vault Crypto Service Encryption User on the key" : "")
                        + (status == 404 ? ": create it (Terraform delegated.tf) or set GRAPH_MAILER_DELEGATED_KEY_NAME" : ""), null, null);
    }

    private static byte[] aad(Mailbox mailbox) {
        return (FORMAT + "|" + mailbox.key()).getBytes(StandardCharsets.UTF_8);
    }

    // ---------------------------------------------------------------- metadata

    private static Map<String, String> metadata(Mailbox mailbox, SignInFacts facts) {
        Map<String, String> m = new HashMap<>();
        m.put("mailbox", Base64.getUrlEncoder().withoutPadding().encodeToString(mailbox.id().getBytes(StandardCharsets.UTF_8)));
        m.put("account", Base64.getUrlEncoder().withoutPadding().encodeToString(facts.account().getBytes(StandardCharsets.UTF_8)));
        m.put("scopes", Base64.getUrlEncoder().withoutPadding().encodeToString(String.join(" ", facts.scopes()).getBytes(StandardCharsets.UTF_8)));
        m.put("signedin", facts.signedInAt().toString());
        m.put("refreshed", facts.lastRefresh().toString());
        return m;
    }

    private static SignInFacts facts(Map<String, String> metadata) {
        Map<String, String> m = new HashMap<>();
        metadata.forEach((k, v) -> m.put(k.toLowerCase(java.util.Locale.ROOT), v));
        String scopes = decode(m.get("scopes"));
        return new SignInFacts(decode(m.get("account")), scopes.isEmpty() ? List.of() : List.of(scopes.split(" ")),
                instant(m.get("signedin")), instant(m.get("refreshed")));
    }

    private static String decode(String value) {
        return value == null ? "" : new String(Base64.getUrlDecoder().decode(value), StandardCharsets.UTF_8);
    }

    private static Instant instant(String value) {
        return value == null ? Instant.EPOCH : Instant.parse(value);
    }

    private MailTransportException unavailable(Mailbox mailbox, BlobStorageException e) {
        boolean denied = e.getStatusCode() == 401 || e.getStatusCode() == 403;
        return new MailTransportException(denied ? Kind.CONFIGURATION : Kind.TRANSIENT, "TokenCacheStoreUnavailable",
                "the token cache of " + mailbox + " in " + containerUrl + " cannot be reached (HTTP " + e.getStatusCode() + " " + e.getErrorCode() + ")"
                        + (denied ? ": grant the function's identity Storage Blob Data Contributor on the container" : ""), null, null);
    }

    private static String stripSlash(String s) {
        return s.endsWith("/") ? s.substring(0, s.length() - 1) : s;
    }
}
