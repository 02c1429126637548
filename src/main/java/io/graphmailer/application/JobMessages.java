package io.graphmailer.application;

import io.graphmailer.application.port.in.ManageJobsUseCase.PreviewMessage;
import io.graphmailer.application.port.out.AttachmentSource;
import io.graphmailer.application.port.out.JobMailQueue;
import io.graphmailer.application.port.out.JobMailQueue.JobMail;
import io.graphmailer.application.port.out.JobMessageRenderer;
import io.graphmailer.application.port.out.RecipientRowSource;
import io.graphmailer.domain.Attachment;
import io.graphmailer.domain.BodyType;
import io.graphmailer.domain.EmailAddress;
import io.graphmailer.domain.EmailMessage;
import io.graphmailer.domain.Importance;
import io.graphmailer.domain.InvalidMailException;
import io.graphmailer.domain.MailLimits;
import io.graphmailer.domain.SendMailCommand;
import io.graphmailer.domain.SenderPolicy;
import io.graphmailer.domain.Violation;
import io.graphmailer.domain.Violations;
import io.graphmailer.domain.job.AttachmentRef;
import io.graphmailer.domain.job.JobDefinition;
import io.graphmailer.domain.job.Occurrence;
import io.graphmailer.domain.job.Recipients;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.function.BiConsumer;

/**
 * The messages of one job occurrence: the job's attachments read once, then per recipient row (or per part of a static
 * list of at most the recipient limit) the templates rendered, the command built and checked against the domain limits
 * and the queue's envelope limit. Any failure names job, occurrence, row or part and field, and says nothing was enqueued.
 */
record JobMessages(JobMessageRenderer renderer, RecipientRowSource rows, AttachmentSource attachments, JobMailQueue queue,
                   SenderPolicy senderPolicy, MailLimits limits) {

    /** Builds each message of the occurrence in order and hands it to {@code sink}; returns how many there are. */
    long forEachMessage(JobDefinition job, Occurrence occurrence, BiConsumer<JobMail, JobMessageRenderer.Rendered> sink, long stopAfter) {
        String what = "job '" + job.id() + "', occurrence " + occurrence.scheduledAt();
        senderPolicy.requireAllowed(job.mailbox());
        List<Attachment> files = loadAttachments(job, what);
        if (job.recipients() instanceof Recipients.Static list) {
            JobMessageRenderer.Rendered rendered = render(job, occurrence, Map.of(), null, null, what);
            List<List<EmailAddress>[]> parts = split(list, limits.maxRecipients());
            for (int i = 0; i < parts.size(); i++) {
                List<EmailAddress>[] p = parts.get(i);
                String where = what + (parts.size() > 1 ? ", part " + (i + 1) + " of " + parts.size() : "");
                JobMail mail = new JobMail(command(job, rendered, p[0], p[1], p[2], files, where), occurrence.keyForPart(i + 1));
                check(mail, where);
                sink.accept(mail, rendered);
            }
            return parts.size();
        }
        Recipients.PerRow perRow = (Recipients.PerRow) job.recipients();
        try (RecipientRowSource.RowSet set = open(perRow, what)) {
            long index = 0;
            Iterator<Map<String, Object>> it = set.iterator();
            while (it.hasNext() && index < stopAfter) {
                Map<String, Object> row = it.next();
                String where = what + ", row " + index;
                EmailAddress to = recipient(perRow, row, where);
                JobMessageRenderer.Rendered rendered = render(job, occurrence, row, to.address(), to.name(), where);
                JobMail mail = new JobMail(command(job, rendered, List.of(to), List.of(), List.of(), files, where), occurrence.keyFor(to.address()));
                check(mail, where);
                sink.accept(mail, rendered);
                index++;
            }
            return set.count();
        }
    }

    private RecipientRowSource.RowSet open(Recipients.PerRow perRow, String what) {
        try {
            return rows.open(perRow.source());
        } catch (RecipientRowSource.SourceException e) {
            throw new JobRunException(JobRunException.Kind.SOURCE_FAILED, what + ": the data source failed, nothing was enqueued: " + e.getMessage());
        }
    }

    private List<Attachment> loadAttachments(JobDefinition job, String what) {
        List<Attachment> files = new ArrayList<>();
        for (int i = 0; i < job.attachments().size(); i++) {
            AttachmentRef ref = job.attachments().get(i);
            try {
                byte[] content = attachments.read(ref.location());
                files.add(new Attachment(ref.name(), ref.contentType() == null ? "application/octet-stream" : ref.contentType(), content, false, null));
            } catch (RecipientRowSource.SourceException e) {
                throw new JobRunException(JobRunException.Kind.SOURCE_FAILED, what + ": attachments[" + i + "] (" + ref.name()
                        + ") could not be read, nothing was enqueued: " + e.getMessage());
            }
        }
        return files;
    }

    private static EmailAddress recipient(Recipients.PerRow perRow, Map<String, Object> row, String where) {
        String field = perRow.source().addressField();
        Object address = row.get(field);
        if (!(address instanceof String text) || text.isBlank()) {
            throw invalid(where + ": field '" + field + "' must be the recipient's address (a string)");
        }
        String nameField = perRow.source().nameField();
        Object name = nameField == null ? null : row.get(nameField);
        if (name != null && !(name instanceof String)) {
            throw invalid(where + ": field '" + nameField + "' must be a string (the recipient's display name)");
        }
        Violations v = new Violations();
        EmailAddress result = EmailAddress.of(text, (String) name, field, v);
        if (result == null) {
            throw invalid(where + ": field '" + field + "' is not a valid address, or its name has a line break");
        }
        return result;
    }

    private JobMessageRenderer.Rendered render(JobDefinition job, Occurrence occurrence, Map<String, Object> row, String address,
                                               String name, String where) {
        JobMessageRenderer.Rendered rendered;
        try {
            rendered = renderer.render(job, occurrence, row, address, name);
        } catch (JobMessageRenderer.RenderException e) {
            throw invalid(where + ": " + e.field() + " template failed: " + e.getMessage());
        }
        if (Violations.hasLineBreak(rendered.subject())) {
            throw invalid(where + ": subject must not contain line breaks after rendering (header injection is refused)");
        }
        return rendered;
    }

    private SendMailCommand command(JobDefinition job, JobMessageRenderer.Rendered r, List<EmailAddress> to, List<EmailAddress> cc,
                                    List<EmailAddress> bcc, List<Attachment> files, String where) {
        boolean html = r.html() != null;
        EmailMessage message = new EmailMessage(r.subject(), html ? BodyType.HTML : BodyType.TEXT, html ? r.html() : r.text(),
                to, cc, bcc, List.of(), null, Importance.NORMAL, List.of(), files, List.of(), false, false,
                html ? r.text() : null); // the text template becomes the HTML body's plain-text alternative
        try {
            return new SendMailCommand(job.mailbox(), message, job.saveToSentItems(), limits);
        } catch (InvalidMailException e) {
            StringBuilder reasons = new StringBuilder();
            for (Violation v : e.violations()) {
                reasons.append(reasons.isEmpty() ? "" : "; ").append(v.field().replaceFirst("^message\\.", "")).append(' ').append(v.message());
            }
            throw invalid(where + ": " + reasons);
        }
    }

    private void check(JobMail mail, String where) {
        try {
            queue.check(mail);
        } catch (IllegalArgumentException e) {
            throw invalid(where + ": " + e.getMessage());
        }
    }

    private static JobRunException invalid(String message) {
        return new JobRunException(JobRunException.Kind.INVALID_CONTENT, message + "; nothing was enqueued");
    }

    /** Splits a static list into messages of at most {@code max} recipients, in the order to, cc, bcc. */
    @SuppressWarnings("unchecked")
    static List<List<EmailAddress>[]> split(Recipients.Static list, int max) {
        List<List<EmailAddress>[]> parts = new ArrayList<>();
        List<EmailAddress>[] current = null;
        int size = 0;
        List<List<EmailAddress>> kinds = List.of(list.to(), list.cc(), list.bcc());
        for (int k = 0; k < 3; k++) {
            for (EmailAddress a : kinds.get(k)) {
                if (current == null || size == max) {
                    current = new List[]{new ArrayList<>(), new ArrayList<>(), new ArrayList<>()};
                    parts.add(current);
                    size = 0;
                }
                current[k].add(a);
                size++;
            }
        }
        return parts;
    }

    static PreviewMessage preview(JobMail mail, JobMessageRenderer.Rendered rendered) {
        EmailMessage m = (EmailMessage) mail.command().content();
        return new PreviewMessage(mail.idempotencyKey(), m.subject(), m.bodyType().name().toLowerCase(java.util.Locale.ROOT), m.bodyContent(),
                rendered.text(), addresses(m.to()), addresses(m.cc()), addresses(m.bcc()), m.attachments().stream().map(Attachment::name).toList());
    }

    private static List<String> addresses(List<EmailAddress> list) {
        return list.stream().map(EmailAddress::address).toList();
    }
}
