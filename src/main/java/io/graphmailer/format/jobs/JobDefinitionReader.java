package io.graphmailer.format.jobs;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import io.graphmailer.domain.EmailAddress;
import io.graphmailer.domain.InvalidMailException;
import io.graphmailer.domain.Mailbox;
import io.graphmailer.domain.Violations;
import io.graphmailer.domain.job.AttachmentRef;
import io.graphmailer.domain.job.DataSource;
import io.graphmailer.domain.job.JobDefinition;
import io.graphmailer.domain.job.JobDefinitionException;
import io.graphmailer.domain.job.JobTemplates;
import io.graphmailer.domain.job.NcrontabSchedule;
import io.graphmailer.domain.job.PastDuePolicy;
import io.graphmailer.domain.job.Recipients;

import java.time.DateTimeException;
import java.time.Duration;
import java.time.ZoneId;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * Reads job definitions from JSON or YAML: {@code {"jobs":[...]}} or a bare list. Every problem is
 * collected, each naming the job and the field, so one start shows them all.
 */
public final class JobDefinitionReader {
    private static final Set<String> JOB_FIELDS = Set.of("id", "schedule", "timeZone", "mailbox", "pastDue", "enabled", "saveToSentItems",
            "recipients", "dataSource", "subject", "html", "text", "attachments", "description");
    private static final Set<String> RECIPIENT_FIELDS = Set.of("to", "cc", "bcc");
    private static final Set<String> SOURCE_FIELDS = Set.of("url", "auth", "scope", "timeout", "addressField", "nameField");
    private static final Set<String> ATTACHMENT_FIELDS = Set.of("name", "location", "contentType");

    /** The definitions could not be read; {@link #problems()} lists each one. */
    public static final class InvalidJobsException extends IllegalArgumentException {
        private final List<String> problems;

        public InvalidJobsException(String source, List<String> problems) {
            super("job definitions in " + source + " are invalid:\n  - " + String.join("\n  - ", problems));
            this.problems = List.copyOf(problems);
        }

        public List<String> problems() {
            return problems;
        }
    }

    private final ObjectMapper json = JsonMapper.builder().build();
    private final ObjectMapper yaml = YAMLMapper.builder().build();

    /** @param name where the text came from (a file name decides JSON or YAML: .yaml/.yml is YAML, anything else JSON) */
    public List<JobDefinition> read(String text, String name) {
        JsonNode root;
        boolean isYaml = name.toLowerCase(Locale.ROOT).endsWith(".yaml") || name.toLowerCase(Locale.ROOT).endsWith(".yml");
        try {
            root = (isYaml ? yaml : json).readTree(text);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new InvalidJobsException(name, List.of("not valid " + (isYaml ? "YAML" : "JSON") + ": " + e.getOriginalMessage()));
        }
        JsonNode list = root != null && root.isObject() ? root.get("jobs") : root;
        if (list == null || list.isNull() || list.isMissingNode()) {
            return List.of();
        }
        if (!list.isArray()) {
            throw new InvalidJobsException(name, List.of("expected {\"jobs\":[...]} or a list of jobs"));
        }
        List<JobDefinition> jobs = new ArrayList<>();
        List<String> problems = new ArrayList<>();
        Set<String> ids = new java.util.HashSet<>();
        int index = 0;
        for (JsonNode node : list) {
            String id = node.path("id").isTextual() ? node.path("id").asText() : "#" + index;
            try {
                JobDefinition job = job(node, id);
                if (!ids.add(job.id())) {
                    problems.add("job '" + job.id() + "': id is used by more than one job");
                } else {
                    jobs.add(job);
                }
            } catch (JobDefinitionException e) {
                problems.add(e.getMessage());
            }
            index++;
        }
        if (!problems.isEmpty()) {
            throw new InvalidJobsException(name, problems);
        }
        return jobs;
    }

    private static JobDefinition job(JsonNode node, String id) {
        if (!node.isObject()) {
            throw new JobDefinitionException(id, "(job)", "must be an object");
        }
        unknown(node, JOB_FIELDS, id, "");
        String scheduleText = text(node, "schedule", id, true);
        NcrontabSchedule schedule;
        try {
            schedule = NcrontabSchedule.parse(scheduleText);
        } catch (NcrontabSchedule.InvalidScheduleException e) {
            throw new JobDefinitionException(id, "schedule", e.getMessage());
        }
        ZoneId zone;
        String zoneText = text(node, "timeZone", id, false);
        try {
            zone = ZoneId.of(zoneText == null ? "UTC" : zoneText);
        } catch (DateTimeException e) {
            throw new JobDefinitionException(id, "timeZone", "'" + zoneText + "' is not a time zone id such as Europe/Berlin or UTC");
        }
        Mailbox mailbox;
        try {
            mailbox = new Mailbox(text(node, "mailbox", id, true).trim());
        } catch (InvalidMailException e) {
            throw new JobDefinitionException(id, "mailbox", "must be a mailbox address (UPN) or a user object id");
        }
        JsonNode recipientsNode = node.get("recipients");
        JsonNode sourceNode = node.get("dataSource");
        if ((recipientsNode == null) == (sourceNode == null)) {
            throw new JobDefinitionException(id, "recipients", "or dataSource is required, and not both: a static list, or one message per data-source row");
        }
        Recipients recipients = recipientsNode != null ? staticList(recipientsNode, id) : new Recipients.PerRow(source(sourceNode, id));
        PastDuePolicy pastDue = PastDuePolicy.CATCH_UP;
        String pastDueText = text(node, "pastDue", id, false);
        if (pastDueText != null) {
            pastDue = switch (pastDueText.toLowerCase(Locale.ROOT).replace('_', '-')) {
                case "catch-up" -> PastDuePolicy.CATCH_UP;
                case "skip" -> PastDuePolicy.SKIP;
                default -> throw new JobDefinitionException(id, "pastDue", "must be catch-up or skip");
            };
        }
        List<AttachmentRef> attachments = new ArrayList<>();
        JsonNode attachmentsNode = node.get("attachments");
        if (attachmentsNode != null) {
            if (!attachmentsNode.isArray()) {
                throw new JobDefinitionException(id, "attachments", "must be a list");
            }
            for (int i = 0; i < attachmentsNode.size(); i++) {
                JsonNode a = attachmentsNode.get(i);
                unknown(a, ATTACHMENT_FIELDS, id, "attachments[" + i + "].");
                attachments.add(new AttachmentRef(a.path("name").asText(null), a.path("location").asText(null), a.path("contentType").asText(null)));
            }
        }
        return new JobDefinition(id, schedule, zone, mailbox, recipients,
                new JobTemplates(text(node, "subject", id, true), text(node, "html", id, false), text(node, "text", id, false)),
                attachments, pastDue, bool(node, "saveToSentItems", id, true), bool(node, "enabled", id, true));
    }

    private static Recipients.Static staticList(JsonNode node, String id) {
        if (!node.isObject()) {
            throw new JobDefinitionException(id, "recipients", "must be an object with to, cc and/or bcc lists");
        }
        unknown(node, RECIPIENT_FIELDS, id, "recipients.");
        return new Recipients.Static(addresses(node, "to", id), addresses(node, "cc", id), addresses(node, "bcc", id));
    }

    private static List<EmailAddress> addresses(JsonNode parent, String kind, String id) {
        JsonNode list = parent.get(kind);
        if (list == null) {
            return List.of();
        }
        if (!list.isArray()) {
            throw new JobDefinitionException(id, "recipients." + kind, "must be a list of addresses");
        }
        List<EmailAddress> result = new ArrayList<>();
        for (int i = 0; i < list.size(); i++) {
            JsonNode entry = list.get(i);
            String field = "recipients." + kind + "[" + i + "]";
            String address = entry.isTextual() ? entry.asText() : entry.path("address").asText(null);
            String name = entry.isObject() ? entry.path("name").asText(null) : null;
            Violations v = new Violations();
            EmailAddress parsed = EmailAddress.of(address, name, field, v);
            if (parsed == null) {
                throw new JobDefinitionException(id, field, "is not a valid address (a string, or {address, name})");
            }
            result.add(parsed);
        }
        return result;
    }

    private static DataSource source(JsonNode node, String id) {
        if (!node.isObject()) {
            throw new JobDefinitionException(id, "dataSource", "must be an object with url, auth, ...");
        }
        unknown(node, SOURCE_FIELDS, id, "dataSource.");
        String authText = node.path("auth").asText("none").toLowerCase(Locale.ROOT).replace('_', '-');
        DataSource.Auth auth = switch (authText) {
            case "none" -> DataSource.Auth.NONE;
            case "managed-identity" -> DataSource.Auth.MANAGED_IDENTITY;
            default -> throw new JobDefinitionException(id, "dataSource.auth", "must be none or managed-identity");
        };
        Duration timeout;
        try {
            timeout = Duration.parse(node.path("timeout").asText("PT30S"));
        } catch (DateTimeParseException e) {
            throw new JobDefinitionException(id, "dataSource.timeout", "must be an ISO-8601 duration such as PT30S");
        }
        return new DataSource(node.path("url").asText(null), auth, node.path("scope").asText(null), timeout,
                node.path("addressField").asText("email"), node.path("nameField").asText(null));
    }

    private static String text(JsonNode node, String field, String id, boolean required) {
        JsonNode value = node.get(field);
        if (value == null || value.isNull()) {
            if (required) {
                throw new JobDefinitionException(id, field, "is required");
            }
            return null;
        }
        if (!value.isTextual()) {
            throw new JobDefinitionException(id, field, "must be a string");
        }
        return value.asText();
    }

    private static boolean bool(JsonNode node, String field, String id, boolean fallback) {
        JsonNode value = node.get(field);
        if (value == null || value.isNull()) {
            return fallback;
        }
        if (!value.isBoolean()) {
            throw new JobDefinitionException(id, field, "must be true or false");
        }
        return value.asBoolean();
    }

    private static void unknown(JsonNode node, Set<String> known, String id, String prefix) {
        for (Iterator<String> it = node.fieldNames(); it.hasNext(); ) {
            String name = it.next();
            if (!known.contains(name)) {
                throw new JobDefinitionException(id, prefix + name, "is not a job setting (known: " + String.join(", ", new java.util.TreeSet<>(known)) + ")");
            }
        }
    }
}
