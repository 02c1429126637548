package io.graphmailer.wiring;

import io.graphmailer.config.GraphMailerConfig;

import io.graphmailer.format.graph.SendMailRequestParser;
import com.azure.identity.DefaultAzureCredentialBuilder;
import io.graphmailer.adapter.out.routing.RoutingMailTransport;
import io.graphmailer.adapter.out.graph.GraphMailSender;
import io.graphmailer.adapter.out.graph.GraphSentMessageLookup;
import io.graphmailer.adapter.out.identity.CertificateSource;
import io.graphmailer.adapter.out.identity.MsalAccessTokenProvider;
import java.util.ArrayList;
import io.graphmailer.format.outbox.OutboxEnvelopeParser;
import io.graphmailer.adapter.out.storage.StorageMailQueue;
import io.graphmailer.adapter.out.storage.TableSendLedger;
import io.graphmailer.application.port.out.MailQueue;
import io.graphmailer.application.port.out.SendLedger;
import com.azure.data.tables.TableClientBuilder;
import com.azure.storage.queue.QueueClient;
import com.azure.storage.queue.QueueClientBuilder;
import com.azure.storage.queue.QueueMessageEncoding;
import io.graphmailer.application.port.in.SendMailUseCase;
import io.graphmailer.application.port.out.MailTransport;
import io.graphmailer.adapter.out.storage.BlobAttachmentSource;
import io.graphmailer.application.port.out.AttachmentContentSource;
import io.graphmailer.domain.BlobAllowlist;
import io.graphmailer.domain.MailLimits;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Instance;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;

import java.time.Clock;
import java.util.List;

/** Builds each collaborator once from the settings and hands it out; the domain stays framework-free. */
@ApplicationScoped
public class ApplicationBeans {

    /**
     * Attachments by reference: read with the managed identity, or with a connection string locally (the attachments'
     * own, else the storage one, for Azurite). Nothing is built when no container is allowed.
     */
    @Produces
    @Singleton
    AttachmentContentSource attachmentContentSource(GraphMailerConfig config, BlobAllowlist allowlist) {
        if (allowlist.isEmpty()) {
            return AttachmentContentSource.NONE;
        }
        int block = config.attachments().uploadChunkBytes();
        java.util.Optional<String> connectionString = config.attachments().blobConnectionString().or(() -> config.storage().connectionString());
        return connectionString.isPresent()
                ? BlobAttachmentSource.withConnectionString(allowlist, connectionString.get(), block)
                : BlobAttachmentSource.withCredential(allowlist, new DefaultAzureCredentialBuilder().build(), block);
    }



    @Produces
    @Singleton
    OutboxEnvelopeParser envelopeParser(SendMailRequestParser jsonParser) {
        return new OutboxEnvelopeParser(jsonParser);
    }

    @Produces
    @Singleton
    SendLedger sendLedger(GraphMailerConfig config) {
        GraphMailerConfig.Storage storage = config.storage();
        TableClientBuilder builder = new TableClientBuilder().tableName(storage.ledgerTable());
        if (storage.connectionString().isPresent()) {
            builder.connectionString(storage.connectionString().get());
        } else {
            builder.endpoint(storage.tableEndpoint().orElseThrow(() -> new IllegalStateException(
                    "the send ledger needs GRAPH_MAILER_STORAGE_TABLE_ENDPOINT (or a connection string locally)")))
                    .credential(new DefaultAzureCredentialBuilder().build());
        }
        TableSendLedger ledger = new TableSendLedger(builder.buildClient(), Clock.systemUTC());
        ledger.createIfMissing();
        return ledger;
    }

    @Produces
    @Singleton
    MailQueue mailQueue(GraphMailerConfig config) {
        GraphMailerConfig.Queue q = config.queue();
        StorageMailQueue queue = new StorageMailQueue(queueClient(config, q.name()),
                queueClient(config, q.deadLetterName().orElse(q.name() + "-deadletter")),
                queueClient(config, q.poisonName().orElse(q.name() + "-poison")), Clock.systemUTC());
        queue.createIfMissing();
        return queue;
    }

    private static QueueClient queueClient(GraphMailerConfig config, String name) {
        GraphMailerConfig.Storage storage = config.storage();
        QueueClientBuilder builder = new QueueClientBuilder().queueName(name).messageEncoding(QueueMessageEncoding.BASE64);
        if (storage.connectionString().isPresent()) {
            builder.connectionString(storage.connectionString().get());
        } else {
            builder.endpoint(storage.queueEndpoint().orElseThrow(() -> new IllegalStateException(
                    "the outbox queue needs GRAPH_MAILER_STORAGE_QUEUE_ENDPOINT (or a connection string locally)")))
                    .credential(new DefaultAzureCredentialBuilder().build());
        }
        return builder.buildClient();
    }

}
