package io.graphmailer.config;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import io.smallrye.config.WithName;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * Every graph-mailer setting (env vars {@code GRAPH_MAILER_...}). README.md lists each one; keep both in step.
 */
@ConfigMapping(prefix = "graph-mailer")
public interface GraphMailerConfig {

    /** Mailboxes (UPN or object id) this deployment may send as. */
    List<String> allowedSenders();

    /**
     * Other allowed mailboxes a mailbox may name in from/sender (Send As / Send on behalf), as
     * {@code mailbox:other} pairs; by default a message may name only its own mailbox.
     */
    Optional<List<String>> sendAs();

    /** Where accepted mail goes. */
    @WithDefault("graph")
    TransportKind transport();

    /** Directory tenant (GUID or domain) of the app registration and of callers' tokens. */
    Optional<String> tenantId();

    /** Application (client) id of graph-mailer's app registration, whose certificate signs token requests. */
    Optional<String> clientId();

    /** Key Vault holding the app registration's certificate, e.g. https://my-vault.vault.azure.net. */
    Optional<String> keyVaultUrl();

    /** Name of the certificate in Key Vault (its secret of the same name holds the private key). */
    @WithDefault("graph-mailer")
    String certificateName();

    /** Local runs: a password-less .pfx/.p12 or a .pem (key + certificate) instead of Key Vault. */
    Optional<Path> certificateFile();

    /** How often Key Vault is asked whether a newer certificate version exists. */
    @WithDefault("PT1H")
    Duration certificateCheckInterval();

    /** Identity platform host; another cloud's for sovereign clouds. */
    @WithDefault("https://login.microsoftonline.com")
    String authorityHost();

    /** Read the certificate and get the first token while the HTTP server starts, not on the first request. */
    @WithDefault("true")
    boolean warmUp();

    Graph graph();

    Queue queue();

    Doctor doctor();

    Storage storage();

    CallerAuth callerAuth();

    Outbox outbox();

    Limits limits();

    Smtp smtp();

    Jobs jobs();

    Attachments attachments();

    Budget budget();

    DeliveryLogSettings deliveryLog();

    Telemetry telemetry();

    /** Traces and metrics (README "Telemetry"). */
    interface Telemetry {
        /** Application Insights' connection string (APPLICATIONINSIGHTS_CONNECTION_STRING); unset: nothing is exported. */
        Optional<String> connectionString();

        /** Where the OTLP exporter sends when telemetry is on (an OpenTelemetry collector or agent beside the app). */
        @WithDefault("http://localhost:4317")
        String otlpEndpoint();

        /**
         * Authenticate to the ingestion endpoint with an Entra ID token of the app's Azure credential (scope
         * https://monitor.azure.com//.default), for an Application Insights resource with local authentication disabled.
         */
        @WithDefault("false")
        boolean entraAuth();
    }

    Delegated delegated();

    enum TransportKind { OUTBOX, GRAPH }

    enum CallerAuthMode {
        /** Validate a Microsoft Entra ID bearer token: issuer, audience, required app role. */
        ENTRA,
        /** The Azure Functions host has checked the function key; only valid behind that host. */
        HOST_KEY,
        /** No caller authentication: the dev profile only. */
        NONE
    }

    interface CallerAuth {
        @WithDefault("entra")
        CallerAuthMode mode();

        /** Expected {@code aud}: our app's client id or Application ID URI. */
        Optional<String> audience();

        /** Tenant (GUID) callers' tokens must name in {@code tid}; defaults to {@code tenant-id}. */
        Optional<String> tenantId();

        /** App role the caller's token must carry in {@code roles}. */
        @WithDefault("GraphMailer.Send")
        String requiredRole();

        /** Expected {@code iss}; defaults to the v2.0 issuer of {@code tenant-id}. */
        Optional<String> issuer();

        /** Where the signing keys are; defaults to the tenant's v2.0 JWKS. Also file: or classpath: locations. */
        Optional<String> jwksUrl();
    }

    interface Graph {
        /** Graph endpoint; another cloud's for sovereign clouds. */
        @WithDefault("https://graph.microsoft.com")
        String baseUrl();

        /** Longest wait for one Graph request (each read and write; each in-request retry has its own); after it the outcome is unknown (504). */
        @WithDefault("PT30S")
        Duration timeout();

        /** Longest time one call's in-request 429 retries may take, waits included; then the 429 is answered (not sent, retry later). */
        @WithDefault("PT30S")
        Duration retryBudget();

        /** In-request retries of a 429 before answering 503 with Retry-After. */
        @WithDefault("2")
        int maxThrottleRetries();

        /** A 429 whose Retry-After is longer than this is not waited for in-request. */
        @WithDefault("PT10S")
        Duration maxThrottleWait();
    }

    interface Doctor {
        /** Address the doctor's optional test send goes to (one message per allowed mailbox). */
        Optional<String> testRecipient();
    }

    enum UnknownOutcome { VERIFY, RESEND, PARK }

    interface Queue {
        /** The outbox queue the queue-triggered function reads. */
        @WithDefault("graph-mailer-outbox")
        String name();

        /** Where permanent failures are kept with their reason; default {@code <name>-deadletter}. */
        Optional<String> deadLetterName();

        /** Where messages go when transient failures used up the attempts; default {@code <name>-poison}, as the host names it. */
        Optional<String> poisonName();

        /** Sends in flight per mailbox inside one instance (Graph allows about 4 per app and mailbox). */
        @WithDefault("4")
        int maxInFlightPerMailbox();

        /**
         * After a timeout or 5xx the send may have happened: look for it in the mailbox's Sent Items after the settle time
         * and send again only when absent ({@code verify}), resend it, or park it for review.
         */
        @WithDefault("verify")
        UnknownOutcome unknownOutcomePolicy();

        /** What policy verify does when it cannot look (no Mail.ReadBasic, saveToSentItems false, SMTP, MIME form): resend or park. */
        @WithDefault("resend")
        UnknownOutcome unknownOutcomeFallback();

        /** After an unknown outcome, how long to wait before looking in Sent Items (Exchange files the copy after accepting). */
        @WithDefault("PT2M")
        Duration unknownOutcomeSettle();

        /**
         * How long a worker's claim on a message lasts: longer than one send can take (its Graph timeouts and retry budget);
         * a second delivery meanwhile is put back on the queue until after it.
         */
        @WithDefault("PT5M")
        Duration lease();

        /** Attempts (first try plus re-enqueues after transient failures) before a message goes to the poison queue. */
        @WithDefault("5")
        int maxAttempts();

        /** First delay of the exponential backoff when Graph gives no Retry-After. */
        @WithDefault("PT30S")
        Duration backoffBase();

        /** Longest backoff delay. */
        @WithDefault("PT15M")
        Duration backoffMax();
    }

    interface Storage {
        /** Local runs and Azurite only: a storage connection string. In Azure use the endpoints and the managed identity. */
        Optional<String> connectionString();

        /** Queue service endpoint, e.g. https://account.queue.core.windows.net (managed identity). */
        Optional<String> queueEndpoint();

        /** Table service endpoint, e.g. https://account.table.core.windows.net (managed identity). */
        Optional<String> tableEndpoint();

        /** The send ledger's table. */
        @WithDefault("graphmailerledger")
        String ledgerTable();

        /**
         * How long one storage request (queue, table, Key Vault, blob) may wait for an answer before it is retried (twice)
         * or fails; a storage outage then costs a send seconds, not the SDK's minutes.
         */
        @WithDefault("PT5S")
        java.time.Duration timeout();
    }

    interface Outbox {
        /** Folder the outbox transport writes .eml files to. */
        @WithDefault("outbox")
        Path directory();
    }

    interface Limits {
        /** Largest request body accepted (Graph's sendMail takes about 4 MB). */
        @WithDefault("4194304")
        int maxRequestBytes();

        /** Recipients (to + cc + bcc) per message; Exchange's default is 500. */
        @WithDefault("500")
        int maxRecipients();
    }

    /** Large attachments: limits, attachments by reference (blob URLs) and Graph upload sessions. */
    interface Attachments {
        /**
         * URL prefixes of the blob containers attachments may be read from, e.g. https://account.blob.core.windows.net/mail-attachments/.
         * Empty: attachments by reference ({@code contentLocation}) are refused.
         */
        Optional<List<String>> allowedBlobPrefixes();

        /** Local runs and Azurite only: a connection string for reading blobs; otherwise the managed identity reads them. */
        Optional<String> blobConnectionString();

        /** Largest message once MIME-encoded (attachments grow by about a third); Exchange's default is 35 MB, at most 150 MB. */
        @WithDefault("36700160")
        long maxMessageBytes();

        /** Largest single attachment; Graph's upload sessions take up to 150 MB. */
        @WithDefault("157286400")
        long maxAttachmentBytes();

        /** Attachments per message. */
        @WithDefault("100")
        int maxCount();

        /** Bytes per upload-session PUT: a multiple of 320 KiB, at most 4 MiB (Graph recommends at most 4 MB per range). */
        @WithDefault("3932160")
        int uploadChunkBytes();
    }

    /** SMTP AUTH XOAUTH2 to Exchange Online, for the mailboxes listed in {@code mailboxes}; all others use {@code transport}. */
    interface Smtp {
        /** Mailboxes (UPN, exactly as in Exchange) sent through SMTP; each must also be an allowed sender. */
        Optional<List<String>> mailboxes();

        @WithDefault("smtp.office365.com")
        String host();

        @WithDefault("587")
        int port();

        /** Connections kept and used at once per mailbox; Exchange allows 3 (432 4.3.2 beyond). */
        @WithDefault("3")
        int maxConnectionsPerMailbox();

        /** Connect, read and write timeout of one SMTP step. */
        @WithDefault("PT30S")
        Duration timeout();

        /** After a successful SMTP send, save a copy to Sent Items through Graph (needs Mail.ReadWrite). */
        @WithDefault("false")
        boolean saveToSentItems();
    }

    /** How scheduled jobs' mail reaches the sender: the outbox queue, or (dev and test only) straight to the send use case. */
    enum JobEnqueue { QUEUE, DIRECT }

    /** Scheduled notification jobs (README "Scheduled jobs"). */
    interface Jobs {
        /** Where job definitions are read: {@code classpath:jobs/x.yaml}, a file path, or an https URL; .yaml/.yml is YAML, else JSON. */
        Optional<String> location();

        /** Job definitions as inline JSON (an app setting), instead of a location. */
        Optional<String> json();

        /** Scope of a managed-identity token for an https location, e.g. https://storage.azure.com/.default for a blob. */
        Optional<String> locationScope();

        /** {@code queue}: jobs enqueue on the outbox queue; {@code direct}: dev and test only, no queue. */
        @WithDefault("queue")
        JobEnqueue enqueue();

        /** Messages handed to the queue at a time (and held in memory while enqueueing). */
        @WithDefault("100")
        int batchSize();

        /** An occurrence older than this when its tick runs counts as missed, and the job's past-due policy applies. */
        @WithDefault("PT5M")
        Duration pastDueAfter();

        /** How far back a tick looks when the host does not say when it last ran (no ScheduleStatus). */
        @WithDefault("PT2M")
        Duration unknownLastRun();

        /** Most rows one data source may return. */
        @WithDefault("50000")
        long maxRows();

        /** Most messages one preview returns. */
        @WithDefault("20")
        int previewLimit();
    }

    /**
     * Each mailbox's budget, counted across every trigger (and, in the shared store, every instance) as Exchange Online
     * and Graph count it; see {@code ../shared/reference/service-limits.md}.
     */
    interface Budget {
        /** Sends in flight per mailbox on Graph (about 4 concurrent requests per app and mailbox). */
        @WithDefault("4")
        int concurrentSendsGraph();

        /** Sends in flight per mailbox on SMTP AUTH (3 connections per mailbox). */
        @WithDefault("3")
        int concurrentSendsSmtp();

        /** Messages per minute per mailbox (Exchange Online: 30). */
        @WithDefault("30")
        int messagesPerMinute();

        /** Exchange's recipients per rolling 24 hours per mailbox (default 10,000; admins may lower RecipientLimitPerDay). */
        @WithDefault("10000")
        int recipientsPerDay();

        /** Left unused of the daily recipient limit, for other senders of the mailbox (and a count that is never exact). */
        @WithDefault("500")
        int recipientsSafetyMargin();

        /** Graph requests per 10 minutes per app and mailbox (10,000). */
        @WithDefault("10000")
        int graphRequestsPerTenMinutes();

        /**
         * Per-mailbox limits as {@code mailbox/limit=value}, limit one of concurrent-sends, messages-per-minute,
         * recipients-per-day (Exchange's; the margin is still subtracted), graph-requests-per-ten-minutes.
         */
        Optional<List<String>> overrides();

        /** How long a send's slot is held if its instance dies before releasing it (longer than one send can take). */
        @WithDefault("PT5M")
        Duration slotLease();

        /**
         * What an HTTP send does when the shared budget store cannot be reached: {@code refuse} (503 with Retry-After)
         * or {@code local} (send within this process's own budget only, logged as a warning each time).
         */
        @WithDefault("refuse")
        BudgetUnavailableHttp unavailableHttp();

        /**
         * How long an HTTP send may wait in-process for its mailbox's budget (a concurrency slot, or a per-minute count
         * about to free) before it is answered 429; zero answers at once.
         */
        @WithDefault("PT3S")
        Duration httpWait();

        /**
         * Where the budget is kept: {@code table} (shared by every instance and trigger), {@code memory} (this process
         * only), or {@code auto}: the table whenever the app runs with storage (behind the Functions host, or a storage
         * connection string or table endpoint set) and the transport is not the outbox, else memory.
         */
        @WithDefault("auto")
        BudgetStore store();

        /** The shared budget's table (one entity per mailbox), created on first use if missing. */
        @WithDefault("graphmailerbudget")
        String table();
    }

    enum BudgetUnavailableHttp { REFUSE, LOCAL }

    enum BudgetStore { AUTO, TABLE, MEMORY }

    /** The delivery log: every accepted message's record by tracking id (issue 14; README "Delivery log"). */
    interface DeliveryLogSettings {
        /**
         * Where records are kept: {@code table} (shared by every instance), {@code memory} (this process, at most
         * {@code memory-capacity} records), or {@code auto}: the table whenever the app runs with storage and the transport
         * is not the outbox (as the budget's {@code auto}), else memory.
         */
        @WithDefault("auto")
        BudgetStore store();

        /** The delivery log's table, created on first use if missing. */
        @WithDefault("graphmailerdeliveries")
        String table();

        /** How long a record is kept after its last change; the timer purges older ones (at most once an hour). */
        @WithDefault("P30D")
        Duration retention();

        /** Whether records keep the recipients' addresses (else only their count). */
        @WithDefault("false")
        boolean recordRecipients();

        /** The in-memory store's size; the oldest records go first. */
        @WithDefault("10000")
        int memoryCapacity();

        /**
         * Whether the timer reads each allowed mailbox's Inbox for non-delivery reports that answer a graph-mailer message
         * and marks its record bounced (transport graph; needs the Graph application permission Mail.Read).
         */
        @WithDefault("false")
        boolean bounces();
    }

    /**
     * Delegated mode (README "Delegated mode"): mailboxes that send with a signed-in account's token (refresh token kept
     * in an encrypted token cache blob) instead of the app-only token; docs/adr/0019.
     */
    interface Delegated {
        /** {@code mailbox} or {@code mailbox:account} (a shared mailbox that {@code account} has Send As on); each an allowed sender. */
        Optional<List<String>> mailboxes();

        /** Application (client) id of the public-client app registration the operator signs in through (device code flow). */
        Optional<String> clientId();

        /** Blob container of the token caches (one blob per mailbox), e.g. https://account.blob.core.windows.net/graph-mailer-tokens. */
        Optional<String> tokenContainerUrl();

        /** Key Vault key (in {@code key-vault-url}) that wraps each cache's data key; RSA, operations wrapKey and unwrapKey. */
        @WithDefault("graph-mailer-token-cache")
        String keyName();

        /** The identity platform drops a refresh token unused this long (90 days); the doctor warns before it. */
        @WithDefault("P90D")
        Duration inactivityLimit();

        /** The timer refreshes a delegated mailbox's token when its last refresh is older than this, mail or not. */
        @WithDefault("P7D")
        Duration keepAliveAfter();

        /** The doctor warns this long before the inactivity limit. */
        @WithDefault("P14D")
        Duration warnBefore();

        /** Queued mail of a mailbox that needs a new sign-in waits this long for it (re-checked every recheck) before it is dead-lettered. */
        @WithDefault("P3D")
        Duration signInWait();

        /** How often queued mail waiting for a sign-in tries again. */
        @WithDefault("PT15M")
        Duration signInRecheck();
    }
}
