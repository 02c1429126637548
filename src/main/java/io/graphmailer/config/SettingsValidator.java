package io.graphmailer.config;

import io.graphmailer.config.GraphMailerConfig.CallerAuthMode;
import io.graphmailer.domain.EmailAddress;
import io.graphmailer.domain.Guid;
import io.graphmailer.domain.MailLimits;
import io.graphmailer.domain.Mailbox;
import io.graphmailer.domain.InvalidMailException;
import io.graphmailer.domain.SmtpMailboxes;
import io.quarkus.runtime.LaunchMode;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.Locale;
import java.util.Set;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Refuses missing or contradictory settings at startup, naming each env var, so a deployment fails
 * at once instead of on the first message.
 */
public final class SettingsValidator {
    /** Set by the Azure Functions host for a custom handler; its presence means the host fronts us. */
    public static final String FUNCTIONS_PORT_ENV = "FUNCTIONS_CUSTOMHANDLER_PORT";
    /** Exchange Online's concurrent SMTP AUTH connections per mailbox. */
    static final int SMTP_MAX_CONNECTIONS = 3;

    private SettingsValidator() {
    }

    /**
     * The one rule for dev-only settings (caller auth {@code none}, jobs enqueued {@code direct}): allowed only when the
     * process runs in Quarkus dev mode or under tests. The launch mode, not the config profile, because the profile is
     * one environment variable anyone can set on a deployed jar (QUARKUS_PROFILE=dev), while the launch mode is fixed by
     * how the process was started; a packaged jar is never a dev run, whatever its profile.
     */
    public static boolean isDevRun(LaunchMode mode) {
        return mode == LaunchMode.DEVELOPMENT || mode == LaunchMode.TEST;
    }

    /** This process's problems: its launch mode and environment. */
    public static List<String> problems(GraphMailerConfig config) {
        return problems(config, isDevRun(LaunchMode.current()), System.getenv());
    }

    /** @param devMode whether dev-only settings are allowed ({@link #isDevRun}) */
    public static List<String> problems(GraphMailerConfig config, boolean devMode, Map<String, String> env) {
        List<String> problems = new ArrayList<>();
        if (config.allowedSenders().isEmpty()) {
            problems.add("GRAPH_MAILER_ALLOWED_SENDERS is empty: list the mailboxes this deployment may send as");
        }
        for (String sender : config.allowedSenders()) {
            try {
                new Mailbox(sender.trim());
            } catch (InvalidMailException e) {
                problems.add("GRAPH_MAILER_ALLOWED_SENDERS: '" + sender + "' is not a mailbox address (UPN) or user object id");
            }
        }
        sendAsProblems(config, problems);
        CallerAuthMode mode = config.callerAuth().mode();
        if (mode == CallerAuthMode.NONE && !devMode) {
            problems.add("GRAPH_MAILER_CALLER_AUTH_MODE=none is only allowed in the dev profile; use entra, or host-key behind the Azure Functions host");
        }
        if (mode == CallerAuthMode.HOST_KEY && !isBlank(env.get(FUNCTIONS_PORT_ENV))) {
            String level = sendMailAuthLevel(env);
            if ("anonymous".equals(level)) {
                problems.add("GRAPH_MAILER_CALLER_AUTH_MODE=host-key trusts the host's function key, but a SendMail function.json has"
                        + " authLevel anonymous, so nobody checks callers: package with -Dfunction.authLevel=function, or use entra");
            }
        }
        deadLetterAuthProblems(mode, env, problems);
        telemetryProblems(config.telemetry(), problems);
        if (mode == CallerAuthMode.HOST_KEY && isBlank(env.get(FUNCTIONS_PORT_ENV))) {
            problems.add("GRAPH_MAILER_CALLER_AUTH_MODE=host-key trusts the Azure Functions host's function-key check, but "
                    + FUNCTIONS_PORT_ENV + " is not set, so no host is in front of this process; use entra");
        }
        if (mode == CallerAuthMode.ENTRA) {
            if (config.tenantId().isEmpty() && (config.callerAuth().issuer().isEmpty() || config.callerAuth().jwksUrl().isEmpty())) {
                problems.add("GRAPH_MAILER_TENANT_ID is required for caller auth mode entra (or set both GRAPH_MAILER_CALLER_AUTH_ISSUER and GRAPH_MAILER_CALLER_AUTH_JWKS_URL)");
            }
            Optional<String> callerTenant = config.callerAuth().tenantId().or(config::tenantId);
            if (callerTenant.isPresent() && !Guid.isGuid(callerTenant.get().trim())) {
                problems.add("GRAPH_MAILER_CALLER_AUTH_TENANT_ID must be the tenant's id (a GUID, as in tokens' tid claim); "
                        + "set it when GRAPH_MAILER_TENANT_ID is a domain name");
            } else if (callerTenant.isEmpty() && config.callerAuth().issuer().isPresent() && config.callerAuth().jwksUrl().isPresent()) {
                problems.add("GRAPH_MAILER_CALLER_AUTH_TENANT_ID (or GRAPH_MAILER_TENANT_ID) is required for caller auth mode entra: tokens' tid must name it");
            }
            if (config.callerAuth().audience().isEmpty()) {
                problems.add("GRAPH_MAILER_CALLER_AUTH_AUDIENCE is required for caller auth mode entra: graph-mailer's client id or Application ID URI");
            }
        }
        GraphMailerConfig.Queue queue = config.queue();
        if (queue.unknownOutcomeFallback() == GraphMailerConfig.UnknownOutcome.VERIFY) {
            problems.add("GRAPH_MAILER_QUEUE_UNKNOWN_OUTCOME_FALLBACK=verify: the fallback of policy verify is resend or park");
        }
        java.time.Duration oneSend = config.graph().timeout().plus(config.graph().retryBudget());
        if (queue.lease().compareTo(oneSend) <= 0) {
            // A claim that ends while its worker may still be sending lets a second worker send too.
            problems.add("GRAPH_MAILER_QUEUE_LEASE (" + queue.lease() + ") must be longer than one send can take: GRAPH_MAILER_GRAPH_TIMEOUT ("
                    + config.graph().timeout() + ") plus GRAPH_MAILER_GRAPH_RETRY_BUDGET (" + config.graph().retryBudget() + ")");
        }
        budgetProblems(config.budget(), problems);
        budgetStoreProblems(config, problems);
        deliveryLogProblems(config, problems);
        boolean graph = config.transport() == GraphMailerConfig.TransportKind.GRAPH;
        List<String> smtpEntries = config.smtp().mailboxes().orElse(List.of());
        if (graph || validSmtpMailboxes(smtpEntries).inUse()) {
            String forWhat = graph ? "transport graph" : "the SMTP mailboxes (GRAPH_MAILER_SMTP_MAILBOXES)";
            if (config.tenantId().isEmpty()) {
                problems.add("GRAPH_MAILER_TENANT_ID is required for " + forWhat);
            }
            if (config.clientId().isEmpty()) {
                problems.add("GRAPH_MAILER_CLIENT_ID is required for " + forWhat + ": the application (client) id of graph-mailer's app registration");
            }
            if (config.keyVaultUrl().isEmpty() && config.certificateFile().isEmpty()) {
                problems.add("GRAPH_MAILER_KEY_VAULT_URL is required for " + forWhat + " (or GRAPH_MAILER_CERTIFICATE_FILE for local runs)");
            }
            if (config.keyVaultUrl().isPresent() && config.certificateFile().isPresent()) {
                problems.add("GRAPH_MAILER_KEY_VAULT_URL and GRAPH_MAILER_CERTIFICATE_FILE are both set: choose one certificate source");
            }
            config.keyVaultUrl().filter(u -> !u.startsWith("https://")).ifPresent(u ->
                    problems.add("GRAPH_MAILER_KEY_VAULT_URL must be an https URL, e.g. https://my-vault.vault.azure.net"));
            if (!config.authorityHost().startsWith("https://")) {
                problems.add("GRAPH_MAILER_AUTHORITY_HOST must be an https URL");
            }
            if ((graph || config.smtp().saveToSentItems()) && !config.graph().baseUrl().startsWith("https://")) {
                problems.add("GRAPH_MAILER_GRAPH_BASE_URL must be an https URL");
            }
        }
        smtpProblems(config, smtpEntries, problems);
        boolean behindHost = !isBlank(env.get(FUNCTIONS_PORT_ENV));
        GraphMailerConfig.Storage storage = config.storage();
        boolean endpoints = storage.queueEndpoint().isPresent() && storage.tableEndpoint().isPresent();
        if (behindHost && storage.connectionString().isEmpty() && !endpoints) {
            problems.add("GRAPH_MAILER_STORAGE_QUEUE_ENDPOINT and GRAPH_MAILER_STORAGE_TABLE_ENDPOINT are required behind the Functions host:"
                    + " the queue function needs the outbox queue and the send ledger");
        }
        if (storage.timeout().compareTo(java.time.Duration.ofMillis(100)) < 0 || storage.timeout().compareTo(java.time.Duration.ofMinutes(2)) > 0) {
            problems.add("GRAPH_MAILER_STORAGE_TIMEOUT (" + storage.timeout() + ") must be between PT0.1S and PT2M");
        }
        if (storage.connectionString().isPresent() && (storage.queueEndpoint().isPresent() || storage.tableEndpoint().isPresent())) {
            problems.add("GRAPH_MAILER_STORAGE_CONNECTION_STRING and the storage endpoints are both set: choose one");
        }
        if (config.queue().maxInFlightPerMailbox() < 1) {
            problems.add("GRAPH_MAILER_QUEUE_MAX_IN_FLIGHT_PER_MAILBOX must be at least 1");
        }
        if (config.queue().maxAttempts() < 1) {
            problems.add("GRAPH_MAILER_QUEUE_MAX_ATTEMPTS must be at least 1");
        }
        int maxRecipients = config.limits().maxRecipients();
        if (maxRecipients < 1 || maxRecipients > MailLimits.EXCHANGE_MAX_RECIPIENTS) {
            problems.add("GRAPH_MAILER_LIMITS_MAX_RECIPIENTS must be between 1 and " + MailLimits.EXCHANGE_MAX_RECIPIENTS + " (Exchange's ceiling)");
        }
        if (config.limits().maxRequestBytes() < 1024) {
            problems.add("GRAPH_MAILER_LIMITS_MAX_REQUEST_BYTES must be at least 1024");
        }
        attachmentProblems(config.attachments(), problems);
        jobProblems(config.jobs(), devMode, problems);
        delegatedProblems(config, problems);
        return problems;
    }

    /** Delegated mode (README "Delegated mode"). */
    private static void delegatedProblems(GraphMailerConfig config, List<String> problems) {
        GraphMailerConfig.Delegated d = config.delegated();
        List<String> entries = d.mailboxes().orElse(List.of());
        java.util.Set<String> allowed = new java.util.HashSet<>();
        config.allowedSenders().forEach(s -> { String k = key(s); if (k != null) allowed.add(k); });
        boolean any = false;
        for (String entry : entries) {
            if (entry == null || entry.isBlank()) {
                continue;
            }
            any = true;
            String[] parts = entry.trim().split(":", -1);
            if (parts.length > 2 || key(parts[0].trim()) == null || (parts.length == 2 && key(parts[1].trim()) == null)) {
                problems.add("GRAPH_MAILER_DELEGATED_MAILBOXES: '" + entry + "' is not mailbox or mailbox:account (UPNs or object ids)");
                continue;
            }
            if (!allowed.contains(key(parts[0].trim()))) {
                problems.add("GRAPH_MAILER_DELEGATED_MAILBOXES: '" + parts[0].trim() + "' is not in GRAPH_MAILER_ALLOWED_SENDERS");
            }
        }
        if (!any) {
            return;
        }
        if (config.tenantId().isEmpty()) {
            problems.add("GRAPH_MAILER_TENANT_ID is required for the delegated mailboxes (GRAPH_MAILER_DELEGATED_MAILBOXES)");
        }
        if (d.clientId().isEmpty()) {
            problems.add("GRAPH_MAILER_DELEGATED_CLIENT_ID is required for the delegated mailboxes: the public-client app registration's client id");
        }
        if (d.tokenContainerUrl().isEmpty()) {
            problems.add("GRAPH_MAILER_DELEGATED_TOKEN_CONTAINER_URL is required for the delegated mailboxes: the blob container of the token caches");
        } else if (!d.tokenContainerUrl().get().startsWith("https://") && config.storage().connectionString().isEmpty()) {
            problems.add("GRAPH_MAILER_DELEGATED_TOKEN_CONTAINER_URL must be an https URL (http only with a storage connection string, locally)");
        }
        if (config.keyVaultUrl().isEmpty()) {
            problems.add("GRAPH_MAILER_KEY_VAULT_URL is required for the delegated mailboxes: its key GRAPH_MAILER_DELEGATED_KEY_NAME encrypts the token caches");
        }
        if (isBlank(d.keyName())) {
            problems.add("GRAPH_MAILER_DELEGATED_KEY_NAME is empty: name the Key Vault key that wraps the token caches' data keys");
        }
        if (!positive(d.inactivityLimit()) || !positive(d.keepAliveAfter()) || d.keepAliveAfter().compareTo(d.inactivityLimit()) >= 0) {
            problems.add("GRAPH_MAILER_DELEGATED_KEEP_ALIVE_AFTER (" + d.keepAliveAfter() + ") must be positive and shorter than"
                    + " GRAPH_MAILER_DELEGATED_INACTIVITY_LIMIT (" + d.inactivityLimit() + ")");
        }
        if (d.warnBefore().isNegative() || d.warnBefore().compareTo(d.inactivityLimit()) >= 0) {
            problems.add("GRAPH_MAILER_DELEGATED_WARN_BEFORE (" + d.warnBefore() + ") must be between zero and GRAPH_MAILER_DELEGATED_INACTIVITY_LIMIT");
        }
        if (d.signInWait().isNegative() || !positive(d.signInRecheck())) {
            problems.add("GRAPH_MAILER_DELEGATED_SIGN_IN_WAIT must not be negative and GRAPH_MAILER_DELEGATED_SIGN_IN_RECHECK must be positive");
        }
    }

    private static boolean positive(java.time.Duration d) {
        return !d.isNegative() && !d.isZero();
    }

    private static void jobProblems(GraphMailerConfig.Jobs jobs, boolean devMode, List<String> problems) {
        if (jobs.enqueue() == GraphMailerConfig.JobEnqueue.DIRECT && !devMode) {
            problems.add("GRAPH_MAILER_JOBS_ENQUEUE=direct is only allowed in the dev profile: jobs must enqueue on the outbox queue");
        }
        if (jobs.json().isPresent() && jobs.location().isPresent()) {
            problems.add("GRAPH_MAILER_JOBS_JSON and GRAPH_MAILER_JOBS_LOCATION are both set: choose one");
        }
        if (jobs.batchSize() < 1 || jobs.batchSize() > 1000) {
            problems.add("GRAPH_MAILER_JOBS_BATCH_SIZE must be between 1 and 1000");
        }
        if (jobs.maxRows() < 1) {
            problems.add("GRAPH_MAILER_JOBS_MAX_ROWS must be at least 1");
        }
    }

    /** The SMTP mailboxes among the entries that are mailboxes at all; {@link #smtpProblems} names the others. */
    private static SmtpMailboxes validSmtpMailboxes(List<String> entries) {
        return SmtpMailboxes.of(entries.stream().filter(e -> key(e) != null).toList());
    }

    private static void sendAsProblems(GraphMailerConfig config, List<String> problems) {
        Set<String> allowed = new HashSet<>();
        config.allowedSenders().forEach(sender -> allowed.add(String.valueOf(key(sender))));
        for (String pair : config.sendAs().orElse(List.of())) {
            int colon = pair.indexOf(':');
            List<String> sides = colon < 0 ? List.of() : List.of(pair.substring(0, colon), pair.substring(colon + 1));
            if (sides.isEmpty() || sides.stream().anyMatch(m -> key(m) == null)) {
                problems.add("GRAPH_MAILER_SEND_AS: '" + pair.trim() + "' is not a mailbox:other pair of mailbox addresses or object ids");
            } else {
                sides.stream().filter(m -> !allowed.contains(key(m))).forEach(m ->
                        problems.add("GRAPH_MAILER_SEND_AS: '" + m.trim() + "' is not on GRAPH_MAILER_ALLOWED_SENDERS"));
            }
        }
    }

    /** The canonical mailbox key, or null for something that is not a mailbox (reported elsewhere). */
    private static String key(String mailbox) {
        try {
            return new Mailbox(mailbox.trim()).key();
        } catch (InvalidMailException e) {
            return null;
        }
    }

    private static void smtpProblems(GraphMailerConfig config, List<String> smtpEntries, List<String> problems) {
        Set<String> allowed = new HashSet<>();
        config.allowedSenders().forEach(sender -> allowed.add(String.valueOf(key(sender))));
        for (String mailbox : smtpEntries) {
            String trimmed = mailbox.trim();
            if (!EmailAddress.isValid(trimmed)) {
                problems.add("GRAPH_MAILER_SMTP_MAILBOXES: '" + mailbox + "' is not a mailbox UPN (SMTP AUTH needs the UPN, not an object id)");
            } else if (!allowed.contains(key(trimmed))) {
                problems.add("GRAPH_MAILER_SMTP_MAILBOXES: '" + mailbox + "' is not on GRAPH_MAILER_ALLOWED_SENDERS");
            }
        }
        GraphMailerConfig.Smtp smtp = config.smtp();
        if (smtp.maxConnectionsPerMailbox() < 1 || smtp.maxConnectionsPerMailbox() > SMTP_MAX_CONNECTIONS) {
            problems.add("GRAPH_MAILER_SMTP_MAX_CONNECTIONS_PER_MAILBOX must be between 1 and " + SMTP_MAX_CONNECTIONS
                    + " (Exchange refuses a fourth connection per mailbox with 432 4.3.2)");
        }
        if (smtp.port() < 1 || smtp.port() > 65535) {
            problems.add("GRAPH_MAILER_SMTP_PORT must be a TCP port (587 for Exchange Online)");
        }
        if (smtp.timeout().isNegative() || smtp.timeout().isZero()) {
            problems.add("GRAPH_MAILER_SMTP_TIMEOUT must be positive, e.g. PT30S");
        }
        if (smtp.host().isBlank()) {
            problems.add("GRAPH_MAILER_SMTP_HOST is empty: smtp.office365.com for Exchange Online");
        }
    }

    static void telemetryProblems(GraphMailerConfig.Telemetry telemetry, List<String> problems) {
        telemetry.connectionString().filter(cs -> !cs.isBlank()).ifPresent(cs -> {
            if (!cs.contains("InstrumentationKey=")) {
                problems.add("APPLICATIONINSIGHTS_CONNECTION_STRING is not an Application Insights connection string (no InstrumentationKey=...)");
            }
            for (String part : cs.split(";")) {
                int eq = part.indexOf('=');
                if (eq > 0 && part.substring(0, eq).trim().equalsIgnoreCase("IngestionEndpoint")) {
                    String endpoint = part.substring(eq + 1).trim();
                    if (!endpoint.startsWith("https://") || !isUri(endpoint)) {
                        problems.add("APPLICATIONINSIGHTS_CONNECTION_STRING names an IngestionEndpoint that is not an https:// URL");
                    }
                }
            }
        });
        String endpoint = telemetry.otlpEndpoint();
        if (!endpoint.startsWith("http://") && !endpoint.startsWith("https://")) {
            problems.add("GRAPH_MAILER_TELEMETRY_OTLP_ENDPOINT must be an http:// or https:// URL, not '" + endpoint + "'");
        }
    }

    private static boolean isUri(String value) {
        try {
            return java.net.URI.create(value).getHost() != null;
        } catch (IllegalArgumentException e) {
            return false;
        }
    }

    /** The function that forwards /api/deadletter (dead-letter operations). */
    static final String DEAD_LETTER_FUNCTION = "DeadLetter";

    /**
     * Host-key mode accepts the host's key as an operator on /api/deadletter (ADR 0018): only when the DeadLetter function
     * asks for the master key (authLevel admin), never a function key that senders hold.
     */
    static void deadLetterAuthProblems(CallerAuthMode mode, Map<String, String> env, List<String> problems) {
        if (mode != CallerAuthMode.HOST_KEY || isBlank(env.get(FUNCTIONS_PORT_ENV))) {
            return;
        }
        String root = isBlank(env.get("AzureWebJobsScriptRoot")) ? "." : env.get("AzureWebJobsScriptRoot");
        java.nio.file.Path file = java.nio.file.Path.of(root, DEAD_LETTER_FUNCTION, "function.json");
        if (!java.nio.file.Files.exists(file)) {
            return; // not deployed: /api/deadletter is not reachable through the host
        }
        String level = authLevel(file);
        if (!"admin".equals(level)) {
            problems.add("GRAPH_MAILER_CALLER_AUTH_MODE=host-key lets the DeadLetter function's callers replay and purge mail, but its"
                    + " function.json has authLevel " + level + ": package with -Ddeadletter.authLevel=admin so only the master key reaches it");
        }
    }

    /** The sendMail functions: the plain route and Graph's version segments (v1.0, beta). */
    static final List<String> SEND_MAIL_FUNCTIONS = List.of("SendMail", "SendMailV1", "SendMailBeta");

    /**
     * authLevel of the packaged SendMail functions, read from the function app folder the host runs us in: anonymous
     * if any of them is, null if unknown.
     */
    static String sendMailAuthLevel(Map<String, String> env) {
        String root = isBlank(env.get("AzureWebJobsScriptRoot")) ? "." : env.get("AzureWebJobsScriptRoot");
        String level = null;
        for (String function : SEND_MAIL_FUNCTIONS) {
            String l = authLevel(java.nio.file.Path.of(root, function, "function.json"));
            if ("anonymous".equals(l)) {
                return l;
            }
            level = level == null ? l : level;
        }
        return level;
    }

    private static String authLevel(java.nio.file.Path file) {
        try {
            com.fasterxml.jackson.databind.JsonNode bindings = new com.fasterxml.jackson.databind.ObjectMapper()
                    .readTree(file.toFile()).path("bindings");
            for (com.fasterxml.jackson.databind.JsonNode b : bindings) {
                if ("httpTrigger".equals(b.path("type").asText())) {
                    return b.path("authLevel").asText(null);
                }
            }
            return null;
        } catch (java.io.IOException e) {
            return null;
        }
    }

    /** A multiple of this per upload-session range (320 KiB, as Graph's upload sessions expect). */
    static final int UPLOAD_CHUNK_UNIT = 320 * 1024;
    static final int UPLOAD_CHUNK_MAX = 4 * 1024 * 1024;

    private static void attachmentProblems(GraphMailerConfig.Attachments a, List<String> problems) {
        long max = MailLimits.EXCHANGE_MAX_MESSAGE_BYTES;
        if (a.maxMessageBytes() < 1024 || a.maxMessageBytes() > max) {
            problems.add("GRAPH_MAILER_ATTACHMENTS_MAX_MESSAGE_BYTES must be between 1024 and " + max + " (150 MB, Exchange's ceiling)");
        }
        if (a.maxAttachmentBytes() < 1 || a.maxAttachmentBytes() > max) {
            problems.add("GRAPH_MAILER_ATTACHMENTS_MAX_ATTACHMENT_BYTES must be between 1 and " + max + " (150 MB, Graph's upload-session ceiling)");
        }
        if (a.maxCount() < 0) {
            problems.add("GRAPH_MAILER_ATTACHMENTS_MAX_COUNT must not be negative");
        }
        int chunk = a.uploadChunkBytes();
        if (chunk < UPLOAD_CHUNK_UNIT || chunk > UPLOAD_CHUNK_MAX || chunk % UPLOAD_CHUNK_UNIT != 0) {
            problems.add("GRAPH_MAILER_ATTACHMENTS_UPLOAD_CHUNK_BYTES must be a multiple of " + UPLOAD_CHUNK_UNIT
                    + " (320 KiB) of at most " + UPLOAD_CHUNK_MAX + " (4 MiB); the default is 3932160");
        }
        boolean connectionString = a.blobConnectionString().isPresent();
        for (String prefix : a.allowedBlobPrefixes().orElse(List.of())) {
            String p = prefix.trim();
            java.net.URI uri;
            try {
                uri = new java.net.URI(p);
            } catch (java.net.URISyntaxException e) {
                problems.add("GRAPH_MAILER_ATTACHMENTS_ALLOWED_BLOB_PREFIXES: '" + prefix + "' is not a URL");
                continue;
            }
            boolean http = "http".equalsIgnoreCase(uri.getScheme());
            if (!"https".equalsIgnoreCase(uri.getScheme()) && !(http && connectionString)) {
                problems.add("GRAPH_MAILER_ATTACHMENTS_ALLOWED_BLOB_PREFIXES: '" + prefix + "' must be an https URL"
                        + " (http only with GRAPH_MAILER_ATTACHMENTS_BLOB_CONNECTION_STRING, for Azurite)");
            } else if (uri.getHost() == null || uri.getRawPath() == null || uri.getRawPath().replace("/", "").isEmpty()
                    || uri.getRawQuery() != null) {
                problems.add("GRAPH_MAILER_ATTACHMENTS_ALLOWED_BLOB_PREFIXES: '" + prefix + "' must name a container,"
                        + " e.g. https://account.blob.core.windows.net/mail-attachments/ (no query, no SAS)");
            }
        }
    }

    static boolean isBlank(String s) {
        return s == null || s.isBlank();
    }

    /** The shared budget's table: a valid table name, and storage to keep it in when the table is chosen outright. */
    private static void budgetStoreProblems(GraphMailerConfig config, List<String> problems) {
        GraphMailerConfig.Budget budget = config.budget();
        if (!budget.table().matches("[A-Za-z][A-Za-z0-9]{2,62}")) {
            problems.add("GRAPH_MAILER_BUDGET_TABLE (" + budget.table() + ") must be a table name: 3 to 63 letters and digits, starting with a letter");
        }
        if (budget.store() == GraphMailerConfig.BudgetStore.TABLE && config.storage().connectionString().isEmpty()
                && config.storage().tableEndpoint().isEmpty()) {
            problems.add("GRAPH_MAILER_BUDGET_STORE=table needs GRAPH_MAILER_STORAGE_TABLE_ENDPOINT (or GRAPH_MAILER_STORAGE_CONNECTION_STRING locally)");
        }
    }

    /** The delivery log's store, table name, retention and memory size (README "Delivery log"). */
    private static void deliveryLogProblems(GraphMailerConfig config, List<String> problems) {
        GraphMailerConfig.DeliveryLogSettings log = config.deliveryLog();
        if (!log.table().matches("[A-Za-z][A-Za-z0-9]{2,62}")) {
            problems.add("GRAPH_MAILER_DELIVERY_LOG_TABLE (" + log.table() + ") must be a table name: 3 to 63 letters and digits, starting with a letter");
        }
        if (log.store() == GraphMailerConfig.BudgetStore.TABLE && config.storage().connectionString().isEmpty()
                && config.storage().tableEndpoint().isEmpty()) {
            problems.add("GRAPH_MAILER_DELIVERY_LOG_STORE=table needs GRAPH_MAILER_STORAGE_TABLE_ENDPOINT (or GRAPH_MAILER_STORAGE_CONNECTION_STRING locally)");
        }
        if (log.retention().compareTo(java.time.Duration.ofHours(1)) < 0 || log.retention().compareTo(java.time.Duration.ofDays(3650)) > 0) {
            problems.add("GRAPH_MAILER_DELIVERY_LOG_RETENTION (" + log.retention() + ") must be between PT1H and P3650D");
        }
        if (log.memoryCapacity() < 1 || log.memoryCapacity() > 1_000_000) {
            problems.add("GRAPH_MAILER_DELIVERY_LOG_MEMORY_CAPACITY (" + log.memoryCapacity() + ") must be between 1 and 1000000");
        }
    }

    /** The budget's limits as the policy would build them: each value named by its env var. */
    private static void budgetProblems(GraphMailerConfig.Budget budget, List<String> problems) {
        int[] values = {budget.concurrentSendsGraph(), budget.concurrentSendsSmtp(), budget.messagesPerMinute(), budget.recipientsPerDay(),
                budget.graphRequestsPerTenMinutes()};
        String[] names = {"GRAPH_MAILER_BUDGET_CONCURRENT_SENDS_GRAPH", "GRAPH_MAILER_BUDGET_CONCURRENT_SENDS_SMTP",
                "GRAPH_MAILER_BUDGET_MESSAGES_PER_MINUTE", "GRAPH_MAILER_BUDGET_RECIPIENTS_PER_DAY", "GRAPH_MAILER_BUDGET_GRAPH_REQUESTS_PER_TEN_MINUTES"};
        boolean valuesOk = true;
        for (int i = 0; i < values.length; i++) {
            if (values[i] < 1) {
                problems.add(names[i] + " must be at least 1, not " + values[i]);
                valuesOk = false;
            }
        }
        if (budget.recipientsSafetyMargin() < 0 || budget.recipientsSafetyMargin() >= budget.recipientsPerDay()) {
            problems.add("GRAPH_MAILER_BUDGET_RECIPIENTS_SAFETY_MARGIN (" + budget.recipientsSafetyMargin() + ") must be at least 0 and below"
                    + " GRAPH_MAILER_BUDGET_RECIPIENTS_PER_DAY (" + budget.recipientsPerDay() + ")");
            valuesOk = false;
        }
        if (budget.slotLease().isNegative() || budget.slotLease().isZero()) {
            problems.add("GRAPH_MAILER_BUDGET_SLOT_LEASE must be positive");
        }
        if (budget.httpWait().isNegative() || budget.httpWait().compareTo(java.time.Duration.ofSeconds(30)) > 0) {
            problems.add("GRAPH_MAILER_BUDGET_HTTP_WAIT (" + budget.httpWait() + ") must be between PT0S and PT30S: an HTTP caller"
                    + " is answered 429 with Retry-After rather than held longer");
        }
        if (valuesOk) {
            try {
                new io.graphmailer.domain.budget.MailboxBudgetPolicy(new io.graphmailer.domain.budget.MailboxLimits(budget.concurrentSendsGraph(),
                        budget.messagesPerMinute(), budget.recipientsPerDay(), budget.graphRequestsPerTenMinutes()), budget.concurrentSendsSmtp(),
                        budget.recipientsSafetyMargin(), budget.overrides().orElse(List.of()), io.graphmailer.domain.SmtpMailboxes.NONE);
            } catch (IllegalArgumentException e) {
                problems.add("GRAPH_MAILER_BUDGET_OVERRIDES: " + e.getMessage());
            }
        }
    }
}
