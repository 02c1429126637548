package io.graphmailer.adapter.out.storage;

import com.azure.storage.blob.BlobClient;
import com.azure.storage.blob.models.BlobStorageException;
import com.azure.storage.blob.options.BlobInputStreamOptions;
import com.azure.storage.blob.specialized.BlobInputStream;
import io.graphmailer.adapter.out.azure.AzureClients;
import io.graphmailer.application.port.out.AttachmentContentSource;
import io.graphmailer.config.GraphMailerConfig;
import io.graphmailer.domain.AttachmentReference;
import io.graphmailer.domain.BlobAllowlist;
import io.graphmailer.domain.MailTransportException;
import io.graphmailer.domain.MailTransportException.Kind;
import jakarta.enterprise.inject.Typed;
import jakarta.inject.Inject;
import jakarta.inject.Singleton;

import java.io.InputStream;
import java.util.OptionalLong;
import java.util.function.Function;

/**
 * Attachments by reference in Azure Blob Storage, read with the function's managed identity (role Storage Blob Data
 * Reader on the container), or with a connection string for Azurite. Content is read in blocks of {@code blockBytes}
 * as the caller consumes it ({@link BlobInputStream}), pinned to the blob's ETag: a blob replaced while it is sent
 * fails the read instead of mixing two versions. Chosen only when a container is allowed ({@code wiring.StorageBeans}).
 */
@Singleton
@Typed(BlobAttachmentSource.class)
public final class BlobAttachmentSource implements AttachmentContentSource {
    private final BlobAllowlist allowlist;
    private final Function<String, BlobClient> clients;
    private final int blockBytes;

    /** Tests: {@code clients} builds the client of one blob URL. */
    BlobAttachmentSource(BlobAllowlist allowlist, Function<String, BlobClient> clients, int blockBytes) {
        this.allowlist = allowlist;
        this.clients = clients;
        this.blockBytes = blockBytes;
    }

    /** The process's blob clients: the managed identity, or a connection string's account key locally and on Azurite. */
    @Inject
    BlobAttachmentSource(GraphMailerConfig config, BlobAllowlist allowlist, AzureClients clients) {
        this(allowlist, clients::blob, config.attachments().uploadChunkBytes());
    }

    @Override
    public OptionalLong size(AttachmentReference reference) {
        BlobClient blob = client(reference);
        try {
            return OptionalLong.of(blob.getProperties().getBlobSize());
        } catch (BlobStorageException e) {
            if (e.getStatusCode() == 404) {
                return OptionalLong.empty();
            }
            throw translate(e, reference);
        } catch (RuntimeException e) {
            throw unreachable(e, reference);
        }
    }

    @Override
    public InputStream open(AttachmentReference reference) {
        BlobClient blob = client(reference);
        try {
            BlobInputStream in = blob.openInputStream(new BlobInputStreamOptions().setBlockSize(blockBytes));
            long size = in.getProperties().getBlobSize();
            if (reference.sizeKnown() && size != reference.size()) {
                in.close();
                throw new MailTransportException(Kind.REJECTED, "AttachmentChanged", "the blob " + reference.location()
                        + " has " + size + " bytes now, " + reference.size() + " when the message was accepted; nothing was sent");
            }
            return in;
        } catch (BlobStorageException e) {
            if (e.getStatusCode() == 404) {
                throw new MailTransportException(Kind.REJECTED, "AttachmentNotFound", "the blob " + reference.location()
                        + " no longer exists; nothing was sent", null, e);
            }
            throw translate(e, reference);
        } catch (MailTransportException e) {
            throw e;
        } catch (RuntimeException e) {
            throw unreachable(e, reference);
        }
    }

    private BlobClient client(AttachmentReference reference) {
        String url = reference.location().toString();
        String why = allowlist.whyNot(url);
        if (why != null) {
            // The parser refuses these already; checked again here so no other path can make us fetch an arbitrary URL.
            throw new MailTransportException(Kind.REJECTED, "AttachmentLocationNotAllowed", "contentLocation " + why);
        }
        return clients.apply(allowlist.canonical(url).toString()); // the checked, re-encoded form only
    }

    private static MailTransportException translate(BlobStorageException e, AttachmentReference reference) {
        int status = e.getStatusCode();
        String code = e.getErrorCode() == null ? "Status" + status : e.getErrorCode().toString();
        if (status == 401 || status == 403) {
            return new MailTransportException(Kind.CONFIGURATION, "BlobAccessDenied", "Blob storage answered " + status + " " + code
                    + " for " + reference.location() + ": graph-mailer's managed identity needs the role Storage Blob Data Reader on"
                    + " that container (infrastructure team)", null, e);
        }
        if (status == 429 || status >= 500) {
            return new MailTransportException(Kind.TRANSIENT, "StorageUnavailable", "Blob storage answered " + status + " " + code
                    + " for " + reference.location() + "; nothing was sent", null, e);
        }
        return new MailTransportException(Kind.REJECTED, "AttachmentUnreadable", "Blob storage answered " + status + " " + code
                + " for " + reference.location() + "; nothing was sent", null, e);
    }

    private static MailTransportException unreachable(Exception e, AttachmentReference reference) {
        return new MailTransportException(Kind.TRANSIENT, "StorageUnreachable", "Blob storage for " + reference.location()
                + " could not be reached (" + e.getClass().getSimpleName() + "); nothing was sent", null, e);
    }
}
