package io.graphmailer.application;

import io.graphmailer.application.port.out.AttachmentContentSource;
import io.graphmailer.domain.Attachment;
import io.graphmailer.domain.EmailMessage;
import io.graphmailer.domain.MailLimits;
import io.graphmailer.domain.SendMailCommand;
import io.graphmailer.domain.Violations;

import java.util.ArrayList;
import java.util.List;
import java.util.OptionalLong;

/**
 * Reads the size of every attachment by reference from its blob and rebuilds the command with those sizes, so the
 * per-attachment and message-size limits are checked (by {@link SendMailCommand}) before any call to the mail service.
 */
public final class AttachmentResolver {
    private final AttachmentContentSource source;
    private final MailLimits limits;

    public AttachmentResolver(AttachmentContentSource source, MailLimits limits) {
        this.source = source;
        this.limits = limits;
    }

    /** Refuses references anywhere (no blob storage configured). */
    public static AttachmentResolver none() {
        return new AttachmentResolver(AttachmentContentSource.NONE, MailLimits.DEFAULT);
    }

    /**
     * @throws io.graphmailer.domain.InvalidMailException when a blob does not exist or the sizes break a limit
     * @throws io.graphmailer.domain.MailTransportException when storage cannot be read (access, network)
     */
    public SendMailCommand resolve(SendMailCommand command) {
        if (!(command.content() instanceof EmailMessage m) || !m.hasUnresolvedReferences()) {
            return command;
        }
        Violations v = new Violations();
        List<Attachment> resolved = new ArrayList<>(m.attachments().size());
        for (int i = 0; i < m.attachments().size(); i++) {
            Attachment a = m.attachments().get(i);
            if (!a.isReference() || a.reference().sizeKnown()) {
                resolved.add(a);
                continue;
            }
            OptionalLong size = source.size(a.reference());
            if (size.isEmpty()) {
                v.add("message.attachments[" + i + "].contentLocation", "names no blob (it does not exist, or was deleted)");
                resolved.add(a);
            } else {
                resolved.add(a.withReference(a.reference().withSize(size.getAsLong())));
            }
        }
        v.throwIfAny();
        return new SendMailCommand(command.mailbox(), m.withAttachments(resolved), command.saveToSentItems(), limits);
    }
}
