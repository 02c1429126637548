package io.graphmailer.domain.job;

import io.graphmailer.domain.Mailbox;

import java.net.URI;
import java.time.ZoneId;
import java.util.List;
import java.util.regex.Pattern;

/** One scheduled notification job, checked as it is built; every error names the job and the field. */
public record JobDefinition(String id, NcrontabSchedule schedule, ZoneId timeZone, Mailbox mailbox, Recipients recipients,
                            JobTemplates templates, List<AttachmentRef> attachments, PastDuePolicy pastDue,
                            boolean saveToSentItems, boolean enabled) {
    private static final Pattern ID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,63}");

    public JobDefinition {
        if (id == null || !ID.matcher(id).matches()) {
            throw new JobDefinitionException(id, "id", "must be 1-64 letters, digits, '.', '_' or '-', starting with a letter or digit");
        }
        if (schedule == null) {
            throw new JobDefinitionException(id, "schedule", "is required");
        }
        if (timeZone == null) {
            throw new JobDefinitionException(id, "timeZone", "is required");
        }
        if (mailbox == null) {
            throw new JobDefinitionException(id, "mailbox", "is required");
        }
        if (recipients == null) {
            throw new JobDefinitionException(id, "recipients", "is required: a static list (to, cc, bcc) or a dataSource");
        }
        if (recipients instanceof Recipients.Static s && s.count() == 0) {
            throw new JobDefinitionException(id, "recipients", "has no address in to, cc or bcc");
        }
        if (recipients instanceof Recipients.PerRow row) {
            checkSource(id, row.source());
        }
        if (templates == null || templates.subject() == null || templates.subject().isBlank()) {
            throw new JobDefinitionException(id, "subject", "is required");
        }
        if (isBlank(templates.html()) && isBlank(templates.text())) {
            throw new JobDefinitionException(id, "html", "or text is required: the message body template");
        }
        attachments = attachments == null ? List.of() : List.copyOf(attachments);
        for (int i = 0; i < attachments.size(); i++) {
            AttachmentRef a = attachments.get(i);
            if (isBlank(a.name()) || a.name().contains("/") || a.name().contains("\\")) {
                throw new JobDefinitionException(id, "attachments[" + i + "].name", "is required: a file name without path");
            }
            if (isBlank(a.location())) {
                throw new JobDefinitionException(id, "attachments[" + i + "].location", "is required (classpath:, file: or https:)");
            }
        }
        pastDue = pastDue == null ? PastDuePolicy.CATCH_UP : pastDue;
    }

    private static void checkSource(String id, DataSource source) {
        URI uri;
        try {
            uri = URI.create(source.url() == null ? "" : source.url());
        } catch (IllegalArgumentException e) {
            throw new JobDefinitionException(id, "dataSource.url", "is not a URL");
        }
        if (!"https".equalsIgnoreCase(uri.getScheme()) || uri.getHost() == null) {
            throw new JobDefinitionException(id, "dataSource.url", "must be an https URL");
        }
        if (uri.getUserInfo() != null) {
            throw new JobDefinitionException(id, "dataSource.url", "must not carry credentials; use auth managed-identity");
        }
        if (source.auth() == DataSource.Auth.MANAGED_IDENTITY && isBlank(source.scope())) {
            throw new JobDefinitionException(id, "dataSource.scope", "is required with auth managed-identity, e.g. api://my-feed/.default");
        }
        if (source.timeout() == null || source.timeout().isNegative() || source.timeout().isZero()) {
            throw new JobDefinitionException(id, "dataSource.timeout", "must be a positive duration, e.g. PT30S");
        }
        if (isBlank(source.addressField())) {
            throw new JobDefinitionException(id, "dataSource.addressField", "is required: the row property holding the recipient's address");
        }
    }

    static boolean isBlank(String s) {
        return s == null || s.isBlank();
    }
}
