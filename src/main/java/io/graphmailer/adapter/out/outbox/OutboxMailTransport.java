package io.graphmailer.adapter.out.outbox;

import io.graphmailer.adapter.out.mime.MimeMessageFactory;
import io.graphmailer.application.port.out.MailTransport;
import io.graphmailer.config.GraphMailerConfig;
import io.graphmailer.domain.EmailMessage;
import io.graphmailer.domain.MailTransportException;
import io.graphmailer.domain.MimeContent;
import io.graphmailer.domain.SendMailCommand;
import jakarta.enterprise.inject.Typed;
import jakarta.inject.Inject;
import jakarta.inject.Singleton;
import org.jboss.logging.Logger;

import jakarta.mail.MessagingException;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;

/**
 * The embedded default: each accepted message becomes an {@code .eml} file (openable in any mail
 * client) in a local folder, so the whole path can be tried without a Microsoft tenant. A bean of its own type: the
 * transport producer picks it by {@code graph-mailer.transport}.
 */
@Singleton
@Typed(OutboxMailTransport.class)
public final class OutboxMailTransport implements MailTransport {
    private static final Logger LOG = Logger.getLogger(OutboxMailTransport.class);
    private static final DateTimeFormatter STAMP = DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss.SSS'Z'").withZone(ZoneOffset.UTC);

    private final Path directory;
    private final MimeMessageFactory mimeFactory;

    @Inject
    OutboxMailTransport(GraphMailerConfig config, MimeMessageFactory mimeFactory) {
        this(config.outbox().directory(), mimeFactory);
    }

    OutboxMailTransport(Path directory, MimeMessageFactory mimeFactory) {
        this.directory = directory;
        this.mimeFactory = mimeFactory;
    }

    @Override
    public void send(SendMailCommand command, String trackingId) {
        String name = STAMP.format(Instant.now()) + "-" + trackingId + ".eml";
        try {
            Files.createDirectories(directory);
            // Write then move, so a reader never sees half a message.
            Path tmp = Files.createTempFile(directory, ".incoming-", ".tmp");
            try (OutputStream out = new BufferedOutputStream(Files.newOutputStream(tmp))) {
                if (command.content() instanceof EmailMessage m) {
                    // streamed: attachments by reference go from the blob to the file without being held in memory
                    mimeFactory.create(command.mailbox(), m, trackingId).writeTo(out);
                } else {
                    out.write(((MimeContent) command.content()).mime());
                }
            } catch (MessagingException e) {
                Files.deleteIfExists(tmp);
                throw MimeMessageFactory.notEncodable(e);
            } catch (IOException | RuntimeException e) {
                Files.deleteIfExists(tmp);
                if (e instanceof MailTransportException t) {
                    throw t;
                }
                if (e instanceof IOException && e.getCause() instanceof MailTransportException t) {
                    throw t;
                }
                throw e;
            }
            long bytes = Files.size(tmp);
            Path target = directory.resolve(name);
            try {
                Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, target);
            }
            LOG.infof("outbox: message %s from %s written to %s (%d bytes)", trackingId, command.mailbox(), target, bytes);
        } catch (IOException e) {
            throw new MailTransportException(MailTransportException.Kind.CONFIGURATION, "OutboxNotWritable",
                    "the outbox folder " + directory.toAbsolutePath() + " is not writable: " + e.getMessage(), null, e);
        }
    }

    @Override
    public String name() {
        return "outbox";
    }
}
