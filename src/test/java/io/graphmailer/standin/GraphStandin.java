package io.graphmailer.standin;

import com.fasterxml.jackson.databind.JsonNode;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.ArrayDeque;
import java.util.Base64;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Pattern;

/**
 * Stand-in for Microsoft Graph at {@code https://graph.localhost:<port>}: {@code POST /v1.0/users/{id|upn}/sendMail}
 * (JSON and MIME forms) with Graph's token, permission, mailbox and payload checks, request recording, concurrency
 * tracking and fault injection. New endpoints (drafts, upload sessions) are added with {@link #route} and reuse
 * {@link #authenticate}, {@link #resolveMailbox} and {@link #sendError}.
 */
public final class GraphStandin extends StandinServer {

    public static final String HOST = "graph.localhost";
    public static final String MAIL_SEND = "Mail.Send";
    /** About 4 MB per request (service-limits.md); above it Graph answers 413. */
    public static final int DEFAULT_MAX_REQUEST_BYTES = 4 * 1024 * 1024;

    private static final Pattern ADDRESS = Pattern.compile("[^@\\s<>\",;]+@[^@\\s<>\",;]+");
    private static final Set<String> FILE_ATTACHMENT_TYPES =
            Set.of("#microsoft.graph.fileAttachment", "microsoft.graph.fileAttachment");

    public enum Form { JSON, MIME }

    /** A sendMail request Graph accepted (202). {@code json} for the JSON form, {@code mime} (decoded) for MIME. */
    public record AcceptedMessage(String mailbox, String mailboxInPath, String appId, Form form, JsonNode json,
                                  byte[] mime, Map<String, List<String>> headers, String clientRequestId,
                                  String requestId, Instant acceptedAt) {

        public String mimeText() {
            return mime == null ? null : new String(mime, StandardCharsets.UTF_8);
        }
    }

    /** Every request to the stand-in with its outcome, in arrival order. */
    public record RequestSeen(String method, String path, String mailbox, int status, String clientRequestId,
                              Instant at) {
    }

    /** Who called: the verified token's claims. */
    record Caller(String appId, String tenantId, List<String> roles, List<String> scopes, String upn) {
        Caller(String appId, String tenantId, List<String> roles) {
            this(appId, tenantId, roles, List.of(), null);
        }

        /** A user's (delegated) token: it carries scp and upn, not roles. */
        boolean delegated() {
            return upn != null;
        }

    }

    private static final class Mailbox {
        final String upn;
        final String objectId;
        volatile boolean restEnabled = true;

        Mailbox(String upn, String objectId) {
            this.upn = upn;
            this.objectId = objectId;
        }
    }

    private final AccessTokenVerifier verifier;
    private final IdentityPlatformStandin identity;
    private final Map<String, Mailbox> mailboxes = new ConcurrentHashMap<>();
    private final Map<String, Set<String>> appScopes = new ConcurrentHashMap<>();
    private final Deque<GraphFault> faults = new ArrayDeque<>();
    private final List<AcceptedMessage> accepted = new CopyOnWriteArrayList<>();
    private final List<SavedItem> sentItems = new CopyOnWriteArrayList<>();
    private final List<RequestSeen> seen = new CopyOnWriteArrayList<>();
    private final Map<String, AtomicInteger> sendMailRequests = new ConcurrentHashMap<>();
    private final Map<String, AtomicInteger> inFlight = new ConcurrentHashMap<>();
    private final Map<String, AtomicInteger> maxInFlight = new ConcurrentHashMap<>();
    private final AtomicInteger totalSendMailRequests = new AtomicInteger();
    private volatile Duration responseDelay = Duration.ZERO;
    private volatile int mailboxConcurrencyLimit;
    private volatile int throttleRetryAfterSeconds = 1;
    private volatile int maxRequestBytes = DEFAULT_MAX_REQUEST_BYTES;
    private volatile MailboxBudgetCheck budgetCheck;
    private final List<String> budgetViolations = new CopyOnWriteArrayList<>();

    public GraphStandin(IdentityPlatformStandin identity) {
        this(identity, 0);
    }

    public GraphStandin(IdentityPlatformStandin identity, int port) {
        super("graph", HOST, port, true);
        this.identity = identity;
        this.verifier = new AccessTokenVerifier(identity, Set.of(IdentityPlatformStandin.GRAPH_RESOURCE,
                IdentityPlatformStandin.GRAPH_RESOURCE + "/", IdentityPlatformStandin.GRAPH_APP_ID), Duration.ZERO);
        route("POST", "/v1\\.0/users/([^/]+)/sendMail", this::sendMail);
        route("POST", "/v1\\.0/(me)/sendMail", this::sendMail);
        route("POST", "/v1\\.0/users/([^/]+)/mailFolders/sentitems/messages", this::createInSentItems);
        route("POST", "/v1\\.0/users/([^/]+)/messages", this::createDraft);
        route("POST", "/v1\\.0/users/([^/]+)/messages/([^/]+)/attachments", this::addAttachment);
        route("POST", "/v1\\.0/users/([^/]+)/messages/([^/]+)/attachments/createUploadSession", this::createUploadSession);
        route("PUT", "/upload/([^/]+)", this::uploadRange);
        route("POST", "/v1\\.0/users/([^/]+)/messages/([^/]+)/send", this::sendDraft);
        route("DELETE", "/v1\\.0/users/([^/]+)/messages/([^/]+)", this::deleteDraft);
        route("GET", "/v1\\.0/users/([^/]+)/mailFolders/inbox/messages", this::listInbox); // before listFolder, see "Inbox"
        route("GET", "/v1\\.0/users/([^/]+)/mailFolders/([^/]+)/messages", this::listFolder);
    }

    /** {@code https://graph.localhost:<port>/v1.0}. */
    public String graphUrl() {
        return baseUrl() + "/v1.0";
    }

    public String sendMailUrl(String mailbox) {
        return graphUrl() + "/users/" + mailbox + "/sendMail";
    }

    // ---------------------------------------------------------------- configuration API

    /** Adds a licensed, REST-enabled mailbox; returns its user object id. */
    public String addMailbox(String upn) {
        String objectId = UUID.randomUUID().toString();
        addMailbox(upn, objectId);
        return objectId;
    }

    public void addMailbox(String upn, String objectId) {
        Mailbox mailbox = new Mailbox(upn.toLowerCase(Locale.ROOT), objectId);
        mailboxes.put(mailbox.upn, mailbox);
        mailboxes.put(objectId.toLowerCase(Locale.ROOT), mailbox);
    }

    /** The mailbox exists but is inactive, unlicensed or on-premises: 404 {@code MailboxNotEnabledForRESTAPI}. */
    public void disableMailbox(String upnOrId) {
        mailbox(upnOrId).restEnabled = false;
    }

    /**
     * Exchange RBAC for Applications: the app may send only as these mailboxes (UPNs); others get 403
     * {@code ErrorAccessDenied}. Apps without a scope may send as any mailbox (tenant-wide Mail.Send).
     */
    public void restrictApp(String appId, Set<String> mailboxUpns) {
        appScopes.put(appId, mailboxUpns.stream().map(m -> m.toLowerCase(Locale.ROOT))
                .collect(java.util.stream.Collectors.toUnmodifiableSet()));
    }

    public void unrestrictApp(String appId) {
        appScopes.remove(appId);
    }

    /** The next {@code times} sendMail requests that pass authentication and mailbox checks get {@code fault}. */
    public synchronized void injectFaults(int times, GraphFault fault) {
        for (int i = 0; i < times; i++) {
            faults.add(fault);
        }
    }

    public synchronized void clearFaults() {
        faults.clear();
    }

    /** Every sendMail request is held this long (while counted as in flight) before it is answered. */
    public void responseDelay(Duration delay) {
        this.responseDelay = delay;
    }

    /** Enforce Graph's per-mailbox concurrency (e.g. 4): more in-flight requests get 429; 0 turns it off. */
    public void mailboxConcurrencyLimit(int limit) {
        this.mailboxConcurrencyLimit = limit;
    }

    public void mailboxConcurrencyLimit(int limit, int retryAfterSeconds) {
        this.mailboxConcurrencyLimit = limit;
        this.throttleRetryAfterSeconds = retryAfterSeconds;
    }

    public void maxRequestBytes(int bytes) {
        this.maxRequestBytes = bytes;
    }

    /**
     * The per-mailbox limits Exchange and Graph count across every sender, checked on every sendMail: requests in flight,
     * messages accepted in any {@code minute} (60 s less a tolerance for the time between a sender's admission and its
     * request's arrival), and recipients (to + cc + bcc) accepted within {@code recipientWindow}. A per-mailbox value in
     * {@code overrides} replaces the default. Every excess is recorded in {@link #budgetViolations()}; the mail is still
     * accepted (a real mailbox would answer late with an NDR), so a test sees all of them.
     */
    public record MailboxBudgetCheck(int concurrent, int messagesPerMinute, Duration minute, int recipients, Duration recipientWindow,
                                     Map<String, Integer> recipientOverrides, Map<String, Integer> concurrentOverrides) {
        int recipientsOf(String mailbox) {
            return recipientOverrides.getOrDefault(mailbox, recipients);
        }

        int concurrentOf(String mailbox) {
            return concurrentOverrides.getOrDefault(mailbox, concurrent);
        }
    }

    public void checkMailboxBudgets(MailboxBudgetCheck check) {
        this.budgetCheck = check;
    }

    /** Each excess seen since the last reset, e.g. "ops@contoso.example: 7 messages within PT58S (limit 6)". */
    public List<String> budgetViolations() {
        return List.copyOf(budgetViolations);
    }

    /** Messages accepted for {@code mailbox} within the busiest {@code window}. */
    public int peakMessagesWithin(String mailbox, Duration window) {
        List<Instant> times = acceptedMessages(mailbox).stream().map(AcceptedMessage::acceptedAt).sorted().toList();
        int peak = 0;
        int from = 0;
        for (int to = 0; to < times.size(); to++) {
            while (Duration.between(times.get(from), times.get(to)).compareTo(window) >= 0) {
                from++;
            }
            peak = Math.max(peak, to - from + 1);
        }
        return peak;
    }

    /** To + cc + bcc of an accepted JSON message (0 for MIME). */
    public static int recipientsOf(AcceptedMessage m) {
        if (m.json() == null) {
            return 0;
        }
        JsonNode message = m.json().path("message");
        return message.path("toRecipients").size() + message.path("ccRecipients").size() + message.path("bccRecipients").size();
    }

    private synchronized void checkBudget(String mailbox, AcceptedMessage message, int inFlightNow) {
        MailboxBudgetCheck check = budgetCheck;
        if (check == null) {
            return;
        }
        if (inFlightNow > check.concurrentOf(mailbox)) {
            budgetViolations.add(mailbox + ": " + inFlightNow + " requests in flight (limit " + check.concurrentOf(mailbox) + ")");
        }
        Instant at = message.acceptedAt();
        long inMinute = accepted.stream().filter(m -> m.mailbox().equals(mailbox))
                .filter(m -> !m.acceptedAt().isBefore(at.minus(check.minute())) && !m.acceptedAt().isAfter(at)).count();
        if (inMinute > check.messagesPerMinute()) {
            budgetViolations.add(mailbox + ": " + inMinute + " messages within " + check.minute() + " (limit " + check.messagesPerMinute() + ")");
        }
        int recipients = accepted.stream().filter(m -> m.mailbox().equals(mailbox))
                .filter(m -> !m.acceptedAt().isBefore(at.minus(check.recipientWindow()))).mapToInt(GraphStandin::recipientsOf).sum();
        if (recipients > check.recipientsOf(mailbox)) {
            budgetViolations.add(mailbox + ": " + recipients + " recipients within " + check.recipientWindow() + " (limit "
                    + check.recipientsOf(mailbox) + ")");
        }
    }

    /** Clears mailboxes, scopes, faults, settings, recordings and counters. */
    public synchronized void reset() {
        mailboxes.clear();
        sendAs.clear();
        appScopes.clear();
        faults.clear();
        accepted.clear();
        sentItems.clear();
        inbox.clear();
        lookups.clear();
        seen.clear();
        sendMailRequests.clear();
        inFlight.clear();
        maxInFlight.clear();
        totalSendMailRequests.set(0);
        responseDelay = Duration.ZERO;
        mailboxConcurrencyLimit = 0;
        budgetCheck = null;
        budgetViolations.clear();
        throttleRetryAfterSeconds = 1;
        maxRequestBytes = DEFAULT_MAX_REQUEST_BYTES;
        drafts.clear();
        sessions.clear();
        sentDrafts.clear();
        deletedDrafts.clear();
        ranges.clear();
        uploadFaults.clear();
        uploadSessionLifetime = Duration.ofMinutes(15);
        rangeListener = range -> { };
        clearUnmatched();
    }

    // ---------------------------------------------------------------- observation API

    public List<AcceptedMessage> acceptedMessages() {
        return List.copyOf(accepted);
    }

    public List<AcceptedMessage> acceptedMessages(String mailbox) {
        String key = mailbox.toLowerCase(Locale.ROOT);
        return accepted.stream().filter(m -> m.mailbox().equals(key)).toList();
    }

    public List<RequestSeen> requests() {
        return List.copyOf(seen);
    }

    /** sendMail requests received (any outcome). */
    public int sendMailRequests() {
        return totalSendMailRequests.get();
    }

    /** sendMail requests for this mailbox (as resolved; any outcome after authentication). */
    public int sendMailRequests(String mailbox) {
        AtomicInteger count = sendMailRequests.get(mailbox.toLowerCase(Locale.ROOT));
        return count == null ? 0 : count.get();
    }

    /** Highest number of requests for this mailbox that were in flight at the same time (including rejected ones). */
    public int maxConcurrentRequests(String mailbox) {
        AtomicInteger max = maxInFlight.get(mailbox.toLowerCase(Locale.ROOT));
        return max == null ? 0 : max.get();
    }

    // ---------------------------------------------------------------- shared checks (for further endpoints)

    /** Verifies the bearer token; on failure answers 401 and returns null. */
    Caller authenticate(Request request) throws IOException {
        AccessTokenVerifier.Result result = verifier.verify(request.header("Authorization"));
        if (!result.ok()) {
            String message = switch (result.failure()) {
                case MISSING -> "Access token is empty.";
                case EXPIRED_OR_NOT_YET_VALID -> "Access token has expired or is not yet valid.";
                case BAD_AUDIENCE -> "Access token validation failure. Invalid audience.";
                case BAD_ISSUER -> "Access token validation failure. Invalid issuer.";
                case MALFORMED, BAD_SIGNATURE -> "Access token validation failure.";
            };
            Map<String, String> headers = new LinkedHashMap<>();
            headers.put("WWW-Authenticate", "Bearer realm=\"\", authorization_uri=\"" + identity.baseUrl()
                    + "/common/oauth2/authorize\", client_id=\"" + IdentityPlatformStandin.GRAPH_APP_ID + "\"");
            sendError(request, 401, "InvalidAuthenticationToken", message, headers);
            return null;
        }
        String scp = result.claim("scp");
        return new Caller(result.claim("appid"), result.claim("tid"), result.roles(),
                scp == null || scp.isBlank() ? List.of() : List.of(scp.trim().split(" ")), result.claim("upn"));
    }

    /** Shared mailbox (lower-case) to the accounts (lower-case) with Send As on it. */
    private final Map<String, Set<String>> sendAs = new ConcurrentHashMap<>();

    /** Exchange's Send As permission of {@code account} on {@code sharedMailbox} (Add-RecipientPermission). */
    public void grantSendAs(String sharedMailbox, String account) {
        sendAs.computeIfAbsent(sharedMailbox.toLowerCase(Locale.ROOT), k -> ConcurrentHashMap.newKeySet()).add(account.toLowerCase(Locale.ROOT));
    }

    /**
     * sendMail's permission: an app token needs the Mail.Send role and may not use /me; a user's token needs scope
     * Mail.Send for its own mailbox (or /me), and Mail.Send.Shared plus Send As for another mailbox.
     */
    private boolean requireSendPermission(Request request, Caller caller, String mailboxInPath) throws IOException {
        boolean me = "me".equals(mailboxInPath);
        if (!caller.delegated()) {
            if (me) {
                sendError(request, 400, "BadRequest", "/me request is only valid with delegated authentication flow.", Map.of());
                return false;
            }
            return requireRole(request, caller, MAIL_SEND);
        }
        boolean own = me || mailboxInPath.equalsIgnoreCase(caller.upn());
        if (!caller.scopes().contains(MAIL_SEND) || (!own && !caller.scopes().contains("Mail.Send.Shared"))) {
            sendError(request, 403, "ErrorAccessDenied", "Access is denied. Check credentials and try again.", Map.of());
            return false;
        }
        if (!own && !sendAs.getOrDefault(mailboxInPath.toLowerCase(Locale.ROOT), Set.of()).contains(caller.upn().toLowerCase(Locale.ROOT))) {
            sendError(request, 403, "ErrorSendAsDenied", "The user account which was used to submit this request does not have the right"
                    + " to send mail on behalf of the specified sending account., Cannot submit message.", Map.of());
            return false;
        }
        return true;
    }

    /** Requires an app role; answers 403 and returns false when the token lacks it. */
    boolean requireRole(Request request, Caller caller, String role) throws IOException {
        if (caller.roles().isEmpty()) {
            sendError(request, 403, "NoPermissionsInAccessToken",
                    "The token contains no permissions, or permissions can not be understood.", Map.of());
            return false;
        }
        if (!caller.roles().contains(role)) {
            sendError(request, 403, "ErrorAccessDenied", "Access is denied. Check credentials and try again.",
                    Map.of());
            return false;
        }
        return true;
    }

    /** Finds the mailbox and applies the app's mailbox scope; answers 404/403 and returns null when it fails. */
    String resolveMailbox(Request request, Caller caller, String upnOrId) throws IOException {
        Mailbox mailbox = mailboxes.get(upnOrId.toLowerCase(Locale.ROOT));
        if (mailbox == null) {
            sendError(request, 404, "ErrorInvalidUser", "The requested user '" + upnOrId + "' is invalid.",
                    Map.of());
            return null;
        }
        if (!mailbox.restEnabled) {
            sendError(request, 404, "MailboxNotEnabledForRESTAPI",
                    "The mailbox is either inactive, soft-deleted, or is hosted on-premise.", Map.of());
            return null;
        }
        Set<String> scope = appScopes.get(caller.appId());
        if (scope != null && !scope.contains(mailbox.upn)) {
            sendError(request, 403, "ErrorAccessDenied", "Access is denied. Check credentials and try again.",
                    Map.of());
            return null;
        }
        return mailbox.upn;
    }

    /** Graph's error envelope with {@code innerError} (date without zone, request ids). */
    void sendError(Request request, int status, String code, String message, Map<String, String> extraHeaders)
            throws IOException {
        String requestId = UUID.randomUUID().toString();
        String clientRequestId = clientRequestId(request, requestId);
        Map<String, Object> inner = new LinkedHashMap<>();
        inner.put("date", LocalDateTime.now(ZoneOffset.UTC).truncatedTo(ChronoUnit.SECONDS).toString());
        inner.put("request-id", requestId);
        inner.put("client-request-id", clientRequestId);
        Map<String, Object> error = new LinkedHashMap<>();
        error.put("code", code);
        error.put("message", message);
        error.put("innerError", inner);
        Map<String, String> headers = responseHeaders(requestId, clientRequestId);
        headers.putAll(extraHeaders);
        request.sendJson(status, Map.of("error", error), headers);
    }

    private static String clientRequestId(Request request, String requestId) {
        String given = request.header("client-request-id");
        return given != null && !given.isBlank() ? given : requestId;
    }

    private static Map<String, String> responseHeaders(String requestId, String clientRequestId) {
        Map<String, String> headers = new LinkedHashMap<>();
        headers.put("request-id", requestId);
        headers.put("client-request-id", clientRequestId);
        headers.put("Access-Control-Expose-Headers",
                "ETag, Location, Preference-Applied, Content-Range, request-id, client-request-id");
        headers.put("Cache-Control", "no-cache");
        return headers;
    }

    @Override
    void unmatched(Request request) throws IOException {
        sendError(request, 400, "BadRequest", "Resource not found for the segment '" + request.path() + "'.",
                Map.of());
    }

    // ---------------------------------------------------------------- create message in Sent Items

    /** A message created in a mailbox's Sent Items ({@code POST /users/{id}/mailFolders/sentitems/messages}). */
    public record SavedItem(String mailbox, String appId, String clientRequestId, JsonNode json) {
        /** False when PR_MESSAGE_FLAGS (Integer 0x0E07) was set without MSGFLAG_UNSENT (8): Outlook shows it as sent. */
        public boolean isDraft() {
            for (JsonNode p : json.path("singleValueExtendedProperties")) {
                if ("Integer 0x0E07".equalsIgnoreCase(p.path("id").asText())) {
                    return (Integer.parseInt(p.path("value").asText("0")) & 8) != 0;
                }
            }
            return true;
        }
    }

    public List<SavedItem> sentItems() {
        return List.copyOf(sentItems);
    }

    /** Needs {@code Mail.ReadWrite}; answers 201 with the created message's id and {@code isDraft}. */
    private void createInSentItems(Request request) throws IOException {
        Caller caller = authenticate(request);
        if (caller == null || !requireRole(request, caller, "Mail.ReadWrite")) {
            return;
        }
        String mailbox = resolveMailbox(request, caller, request.pathGroup(1));
        if (mailbox == null) {
            return;
        }
        JsonNode json = JSON.readTree(request.body());
        SavedItem item = new SavedItem(mailbox, caller.appId(), request.header("client-request-id"), json);
        sentItems.add(item);
        String id = UUID.randomUUID().toString();
        request.sendJson(201, Map.of("id", id, "isDraft", item.isDraft(), "subject", json.path("subject").asText("")),
                responseHeaders(id, clientRequestId(request, id)));
    }

    // ---------------------------------------------------------------- Sent Items / Drafts lookup

    /** Application permissions that can list messages (ReadBasic hides bodies and extended properties, not internetMessageId). */
    public static final Set<String> MAIL_READ_ROLES = Set.of("Mail.ReadBasic", "Mail.ReadBasic.All", "Mail.Read", "Mail.ReadWrite");
    private static final Pattern MESSAGE_ID_FILTER = Pattern.compile("\\s*internetMessageId\\s+eq\\s+'((?:[^']|'')*)'\\s*");
    private final List<String> lookups = new CopyOnWriteArrayList<>();

    /** The {@code $filter} of every folder listing, in arrival order (as Graph received it, decoded). */
    public List<String> folderLookups() {
        return List.copyOf(lookups);
    }

    /** What sendMail (saveToSentItems not false) and a sent draft leave in Sent Items: a sent copy with its internetMessageId. */
    private void fileSentCopy(AcceptedMessage message) {
        if (message.form() == Form.MIME) {
            fileInSentItems(message.mailbox(), message.appId(), message.clientRequestId(), JSON.createObjectNode(),
                    mimeMessageId(message.mimeText()));
            return;
        }
        JsonNode save = message.json().get("saveToSentItems");
        if (save != null && save.isBoolean() && !save.asBoolean()) {
            return;
        }
        JsonNode m = message.json().path("message");
        fileInSentItems(message.mailbox(), message.appId(), message.clientRequestId(), m, internetMessageId(m));
    }

    private void fileInSentItems(String mailbox, String appId, String clientRequestId, JsonNode message, String internetMessageId) {
        com.fasterxml.jackson.databind.node.ObjectNode copy = message.isObject()
                ? ((com.fasterxml.jackson.databind.node.ObjectNode) message).deepCopy() : JSON.createObjectNode();
        // Exchange keeps a message id the client set, and makes one up otherwise.
        copy.put("internetMessageId", internetMessageId != null ? internetMessageId : "<" + UUID.randomUUID() + "@standin.graph.localhost>");
        copy.putArray("singleValueExtendedProperties").addObject().put("id", "Integer 0x0E07").put("value", "1");
        sentItems.add(new SavedItem(mailbox, appId, clientRequestId, copy));
    }

    private static String internetMessageId(JsonNode message) {
        JsonNode id = message.get("internetMessageId");
        return id != null && id.isTextual() ? id.asText() : null;
    }

    private static boolean deleteAfterSubmit(JsonNode draft) {
        for (JsonNode p : draft.path("singleValueExtendedProperties")) {
            if ("Boolean 0x0E01".equalsIgnoreCase(p.path("id").asText()) && "true".equalsIgnoreCase(p.path("value").asText())) {
                return true;
            }
        }
        return false;
    }

    private static String mimeMessageId(String mime) {
        for (String line : mime.split("\\r?\\n")) {
            if (line.isEmpty()) {
                return null;
            }
            if (line.regionMatches(true, 0, "Message-ID:", 0, 11)) {
                return line.substring(11).trim();
            }
        }
        return null;
    }

    /**
     * {@code GET /users/{id}/mailFolders/{sentitems|drafts}/messages?$filter=internetMessageId eq '<id>'&$select=id}: needs a
     * Mail.Read* role. Only that filter is understood; another is refused with Graph's 400 (the real service accepts more).
     */
    private void listFolder(Request request) throws IOException {
        Caller caller = authenticate(request);
        if (caller == null) {
            return;
        }
        if (caller.roles().stream().noneMatch(MAIL_READ_ROLES::contains)) {
            sendError(request, 403, "ErrorAccessDenied", "Access is denied. Check credentials and try again.", Map.of());
            return;
        }
        String mailbox = resolveMailbox(request, caller, request.pathGroup(1));
        if (mailbox == null) {
            return;
        }
        String folder = request.pathGroup(2).toLowerCase(Locale.ROOT);
        if (!folder.equals("sentitems") && !folder.equals("drafts")) {
            sendError(request, 404, "ErrorInvalidIdMalformed", "Id is malformed.", Map.of());
            return;
        }
        String filter = request.query("$filter");
        lookups.add(filter == null ? "" : filter);
        java.util.regex.Matcher m = filter == null ? null : MESSAGE_ID_FILTER.matcher(filter);
        if (m == null || !m.matches()) {
            sendError(request, 400, "BadRequest", "Invalid filter clause: the stand-in understands only internetMessageId eq '<id>'.",
                    Map.of());
            return;
        }
        String wanted = m.group(1).replace("''", "'");
        List<Map<String, Object>> value = new java.util.ArrayList<>();
        if (folder.equals("sentitems")) {
            for (SavedItem item : sentItems) {
                if (item.mailbox().equals(mailbox) && wanted.equals(item.json().path("internetMessageId").asText(null))) {
                    value.add(Map.of("id", "AAMkSent" + Integer.toHexString(System.identityHashCode(item))));
                }
            }
        } else {
            for (Draft draft : drafts.values()) {
                if (draft.mailbox.equals(mailbox) && wanted.equals(internetMessageId(draft.json))) {
                    value.add(Map.of("id", draft.id));
                }
            }
        }
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("@odata.context", graphUrl() + "/$metadata#users('" + mailbox + "')/mailFolders('" + folder + "')/messages(id)");
        body.put("value", value);
        request.sendJson(200, body, Map.of());
    }

    // ---------------------------------------------------------------- drafts and upload sessions

    public static final String MAIL_READ_WRITE = "Mail.ReadWrite";
    /** Graph's upload sessions take files up to 150 MB. */
    public static final long MAX_UPLOAD_SIZE = 150L * 1024 * 1024;
    /** Graph recommends ranges of at most 4 MB; the stand-in refuses larger ones. */
    public static final int MAX_RANGE_BYTES = 4 * 1024 * 1024;
    /** A fileAttachment POSTed directly must be under 3 MB. */
    public static final int MAX_DIRECT_ATTACHMENT_BYTES = 3 * 1024 * 1024;

    /** An attachment of a draft: how it arrived (draft body, attachments POST or upload session), its size and SHA-256. */
    public record DraftAttachment(String name, String contentType, long size, boolean inline, String contentId,
                                  String sha256, String via) {
    }

    /** A draft that was sent ({@code POST .../messages/{id}/send}): the draft's JSON and its attachments. */
    public record SentDraft(String mailbox, String appId, String draftId, JsonNode json, List<DraftAttachment> attachments,
                            String clientRequestId) {
    }

    /** One PUT to an upload URL, whatever its outcome. */
    public record RangeSeen(String session, String attachmentName, long start, long end, long total, int length,
                            boolean hadAuthorization, int status) {
    }

    private static final class Draft {
        final String id = "AAMk" + UUID.randomUUID().toString().replace("-", "");
        final String mailbox;
        final String appId;
        final JsonNode json;
        final List<DraftAttachment> attachments = new CopyOnWriteArrayList<>();
        final Set<String> openSessions = ConcurrentHashMap.newKeySet();

        Draft(String mailbox, String appId, JsonNode json) {
            this.mailbox = mailbox;
            this.appId = appId;
            this.json = json;
        }
    }

    private static final class UploadSession {
        final String token = UUID.randomUUID().toString().replace("-", "") + UUID.randomUUID().toString().replace("-", "");
        final Draft draft;
        final JsonNode item;
        final long size;
        final java.security.MessageDigest digest;
        long next;
        Instant expires;

        UploadSession(Draft draft, JsonNode item, long size, Instant expires) {
            this.draft = draft;
            this.item = item;
            this.size = size;
            this.expires = expires;
            try {
                this.digest = java.security.MessageDigest.getInstance("SHA-256");
            } catch (java.security.NoSuchAlgorithmException e) {
                throw new IllegalStateException(e);
            }
        }
    }

    private final Map<String, Draft> drafts = new ConcurrentHashMap<>();
    private final Map<String, UploadSession> sessions = new ConcurrentHashMap<>();
    private final List<SentDraft> sentDrafts = new CopyOnWriteArrayList<>();
    private final List<String> deletedDrafts = new CopyOnWriteArrayList<>();
    private final List<RangeSeen> ranges = new CopyOnWriteArrayList<>();
    private final Deque<Integer> uploadFaults = new java.util.concurrent.ConcurrentLinkedDeque<>();
    private volatile Duration uploadSessionLifetime = Duration.ofMinutes(15);
    private volatile java.util.function.Consumer<RangeSeen> rangeListener = range -> { };

    public List<SentDraft> sentDrafts() {
        return List.copyOf(sentDrafts);
    }

    /** Ids of drafts that exist and were neither sent nor deleted. */
    public List<String> openDrafts() {
        return List.copyOf(drafts.keySet());
    }

    public List<String> deletedDrafts() {
        return List.copyOf(deletedDrafts);
    }

    public List<RangeSeen> uploadRanges() {
        return List.copyOf(ranges);
    }

    /** Upload sessions expire this long after creation and after each range (Graph extends them per fragment). */
    public void uploadSessionLifetime(Duration lifetime) {
        this.uploadSessionLifetime = lifetime;
    }

    /** Called with each accepted range before it is answered (the client is still waiting). */
    public void onUploadRange(java.util.function.Consumer<RangeSeen> listener) {
        this.rangeListener = listener;
    }

    /** The next upload PUTs that pass the checks get these statuses (e.g. 500; 0 = accept normally) instead of being stored. */
    public void failUploadRanges(int... statuses) {
        for (int status : statuses) {
            uploadFaults.add(status);
        }
    }

    /** {@code POST /users/{id}/messages}: needs Mail.ReadWrite; the draft keeps the attachments given as bytes. */
    private void createDraft(Request request) throws IOException {
        Caller caller = authenticate(request);
        if (caller == null || !requireRole(request, caller, MAIL_READ_WRITE)) {
            return;
        }
        String mailbox = resolveMailbox(request, caller, request.pathGroup(1));
        if (mailbox == null) {
            return;
        }
        byte[] body = request.body(maxRequestBytes);
        if (body == null) {
            tooLarge(request);
            return;
        }
        JsonNode json = JSON.readTree(body);
        Draft draft = new Draft(mailbox, caller.appId(), json);
        for (JsonNode a : json.path("attachments")) {
            byte[] bytes = Base64.getDecoder().decode(a.path("contentBytes").asText(""));
            draft.attachments.add(attachment(a, bytes.length, sha256(bytes), "draft"));
        }
        drafts.put(draft.id, draft);
        request.sendJson(201, Map.of("id", draft.id, "isDraft", true, "subject", json.path("subject").asText("")),
                responseHeaders(draft.id, clientRequestId(request, draft.id)));
    }

    private static DraftAttachment attachment(JsonNode a, long size, String sha256, String via) {
        return new DraftAttachment(a.path("name").asText(null), a.path("contentType").asText(null), size,
                a.path("isInline").asBoolean(false), a.path("contentId").asText(null), sha256, via);
    }

    private static String sha256(byte[] bytes) {
        try {
            return java.util.HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The draft named in the path, of the caller's mailbox; answers 404 and returns null otherwise. */
    private Draft draft(Request request, String role) throws IOException {
        Caller caller = authenticate(request);
        if (caller == null || !requireRole(request, caller, role)) {
            return null;
        }
        String mailbox = resolveMailbox(request, caller, request.pathGroup(1));
        if (mailbox == null) {
            return null;
        }
        Draft draft = drafts.get(request.pathGroup(2));
        if (draft == null || !draft.mailbox.equals(mailbox)) {
            sendError(request, 404, "ErrorItemNotFound", "The specified object was not found in the store.", Map.of());
            return null;
        }
        return draft;
    }

    /** {@code POST .../messages/{id}/attachments}: one fileAttachment under 3 MB. */
    private void addAttachment(Request request) throws IOException {
        Draft draft = draft(request, MAIL_READ_WRITE);
        if (draft == null) {
            return;
        }
        JsonNode a = JSON.readTree(request.body(maxRequestBytes + 1));
        byte[] bytes = Base64.getDecoder().decode(a.path("contentBytes").asText(""));
        if (bytes.length >= MAX_DIRECT_ATTACHMENT_BYTES) {
            tooLarge(request);
            return;
        }
        draft.attachments.add(attachment(a, bytes.length, sha256(bytes), "post"));
        request.sendJson(201, Map.of("id", UUID.randomUUID().toString(), "name", a.path("name").asText("")), Map.of());
    }

    /** {@code createUploadSession}: {@code AttachmentItem} with attachmentType file, name and size (at most 150 MB). */
    private void createUploadSession(Request request) throws IOException {
        Draft draft = draft(request, MAIL_READ_WRITE);
        if (draft == null) {
            return;
        }
        JsonNode item = JSON.readTree(request.body()).path("AttachmentItem");
        long size = item.path("size").asLong(-1);
        if (!"file".equalsIgnoreCase(item.path("attachmentType").asText()) || item.path("name").asText("").isBlank()
                || size <= 0) {
            sendError(request, 400, "ErrorInvalidRequest",
                    "AttachmentItem needs attachmentType 'file', a name and a positive size.", Map.of());
            return;
        }
        if (size > MAX_UPLOAD_SIZE) {
            sendError(request, 400, "ErrorAttachmentSizeShouldNotBeMoreThan150MB",
                    "The attachment size is larger than the maximum of 150 MB.", Map.of());
            return;
        }
        UploadSession session = new UploadSession(draft, item, size, Instant.now().plus(uploadSessionLifetime));
        sessions.put(session.token, session);
        draft.openSessions.add(session.token);
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("@odata.context", graphUrl() + "/$metadata#microsoft.graph.uploadSession");
        body.put("uploadUrl", baseUrl() + "/upload/" + session.token);
        body.put("expirationDateTime", session.expires.toString());
        body.put("nextExpectedRanges", List.of("0"));
        request.sendJson(201, body, Map.of());
    }

    /**
     * {@code PUT} to an upload URL: pre-authenticated, so an {@code Authorization} header is refused (401, audience);
     * ranges must come in order ({@code Content-Range: bytes start-end/total}), at most 4 MB each, with the declared
     * total; an expired session is gone (404). The last range attaches the file to the draft (201 with Location).
     */
    private void uploadRange(Request request) throws IOException {
        UploadSession session = sessions.get(request.pathGroup(1));
        byte[] body = request.body(MAX_RANGE_BYTES + 1);
        String name = session == null ? null : session.item.path("name").asText();
        boolean bearer = request.header("Authorization") != null;
        long[] range = parseContentRange(request.header("Content-Range"));
        int length = body == null ? MAX_RANGE_BYTES + 1 : body.length;
        request.beforeResponse(status -> ranges.add(new RangeSeen(request.pathGroup(1), name, range == null ? -1 : range[0],
                range == null ? -1 : range[1], range == null ? -1 : range[2], length, bearer, status)));
        if (bearer) {
            sendError(request, 401, "InvalidAudienceForResource", "The audience claim value is invalid for current resource."
                    + " Audience claim is 'https://graph.microsoft.com', request url is '" + baseUrl() + request.path() + "'.", Map.of());
            return;
        }
        if (session == null) {
            sendError(request, 404, "ErrorItemNotFound", "The upload session was not found.", Map.of());
            return;
        }
        synchronized (session) {
            if (Instant.now().isAfter(session.expires)) {
                sessions.remove(session.token);
                sendError(request, 404, "ErrorItemNotFound", "The upload session has expired.", Map.of());
                return;
            }
            if (body == null) {
                tooLarge(request);
                return;
            }
            if (range == null || range[2] != session.size || range[0] != session.next || range[1] - range[0] + 1 != body.length
                    || range[1] >= session.size) {
                sendError(request, 416, "ErrorInvalidRange", "The Content-Range " + request.header("Content-Range")
                        + " does not match the next expected range starting at " + session.next + " of " + session.size
                        + " bytes (body: " + body.length + " bytes).", Map.of());
                return;
            }
            Integer fault = uploadFaults.poll();
            if (fault != null && fault != 0) {
                sendError(request, fault, "ServiceUnavailable", "Injected upload fault.", Map.of());
                return;
            }
            rangeListener.accept(new RangeSeen(session.token, name, range[0], range[1], range[2], body.length, false, 0));
            session.digest.update(body);
            session.next = range[1] + 1;
            session.expires = Instant.now().plus(uploadSessionLifetime);
            if (session.next < session.size) {
                request.sendJson(200, Map.of("expirationDateTime", session.expires.toString(),
                        "nextExpectedRanges", List.of(Long.toString(session.next))), Map.of());
                return;
            }
            sessions.remove(session.token);
            session.draft.openSessions.remove(session.token);
            session.draft.attachments.add(attachment(session.item, session.size,
                    java.util.HexFormat.of().formatHex(session.digest.digest()), "uploadSession"));
            String id = UUID.randomUUID().toString();
            request.sendEmpty(201, Map.of("Location", graphUrl() + "/users/" + session.draft.mailbox + "/messages/"
                    + session.draft.id + "/attachments/" + id));
        }
    }

    private static long[] parseContentRange(String value) {
        if (value == null) {
            return null;
        }
        java.util.regex.Matcher m = Pattern.compile("bytes (\\d+)-(\\d+)/(\\d+)").matcher(value.trim());
        if (!m.matches()) {
            return null;
        }
        return new long[] {Long.parseLong(m.group(1)), Long.parseLong(m.group(2)), Long.parseLong(m.group(3))};
    }

    /** {@code POST .../messages/{id}/send}: needs Mail.Send; recorded as a sent draft and an accepted message. */
    private void sendDraft(Request request) throws IOException {
        Draft draft = draft(request, MAIL_SEND);
        if (draft == null) {
            return;
        }
        if (!draft.openSessions.isEmpty()) {
            sendError(request, 400, "ErrorInvalidRequest", "An upload session of this message is not complete.", Map.of());
            return;
        }
        String problem = jsonProblem(JSON.createObjectNode().set("message", draft.json));
        if (problem != null) {
            String[] parts = problem.split("\\|", 2);
            sendError(request, 400, parts[0], parts[1], Map.of());
            return;
        }
        drafts.remove(draft.id);
        String requestId = UUID.randomUUID().toString();
        String clientRequestId = clientRequestId(request, requestId);
        sentDrafts.add(new SentDraft(draft.mailbox, draft.appId, draft.id, draft.json, List.copyOf(draft.attachments),
                clientRequestId));
        accepted.add(new AcceptedMessage(draft.mailbox, request.pathGroup(1), draft.appId, Form.JSON,
                JSON.createObjectNode().set("message", draft.json), null, request.headers(), clientRequestId, requestId,
                Instant.now()));
        if (!deleteAfterSubmit(draft.json)) {
            fileInSentItems(draft.mailbox, draft.appId, clientRequestId, draft.json, internetMessageId(draft.json));
        }
        request.sendEmpty(202, responseHeaders(requestId, clientRequestId));
    }

    /** {@code DELETE /users/{id}/messages/{id}}: needs Mail.ReadWrite. */
    private void deleteDraft(Request request) throws IOException {
        Draft draft = draft(request, MAIL_READ_WRITE);
        if (draft == null) {
            return;
        }
        drafts.remove(draft.id);
        draft.openSessions.forEach(sessions::remove);
        deletedDrafts.add(draft.id);
        request.sendEmpty(204, Map.of());
    }

    // ---------------------------------------------------------------- sendMail

    private void sendMail(Request request) throws IOException {
        totalSendMailRequests.incrementAndGet();
        String mailboxInPath = request.pathGroup(1);
        String[] resolved = new String[1];
        request.beforeResponse(status -> seen.add(new RequestSeen(request.method(), request.path(), resolved[0],
                status, request.header("client-request-id"), Instant.now())));
        resolved[0] = handleSendMail(request, mailboxInPath, resolved);
    }

    /** Returns the resolved mailbox (or null when rejected before resolving); also stores it in {@code resolved}. */
    private String handleSendMail(Request request, String mailboxInPath, String[] resolved) throws IOException {
        // reads (and, when too large, drains) the body first so the client hears the 413 instead of a reset
        byte[] body = request.body(maxRequestBytes);
        if (body == null) {
            tooLarge(request);
            return null;
        }
        Caller caller = authenticate(request);
        if (caller == null || !requireSendPermission(request, caller, mailboxInPath)) {
            return null;
        }
        if ("me".equals(mailboxInPath)) {
            mailboxInPath = caller.upn();
        }
        String mailbox = resolveMailbox(request, caller, mailboxInPath);
        if (mailbox == null) {
            return null;
        }
        resolved[0] = mailbox;
        sendMailRequests.computeIfAbsent(mailbox, k -> new AtomicInteger()).incrementAndGet();
        AtomicInteger current = inFlight.computeIfAbsent(mailbox, k -> new AtomicInteger());
        int nowInFlight = current.incrementAndGet();
        maxInFlight.computeIfAbsent(mailbox, k -> new AtomicInteger()).accumulateAndGet(nowInFlight, Math::max);
        // A request stops counting as in flight when its answer starts, as the client sees it: the
        // client may send its next request as soon as it has the answer.
        java.util.concurrent.atomic.AtomicBoolean released = new java.util.concurrent.atomic.AtomicBoolean();
        request.alsoBeforeResponse(status -> {
            if (released.compareAndSet(false, true)) {
                current.decrementAndGet();
            }
        });
        try {
            int limit = mailboxConcurrencyLimit;
            if (limit > 0 && nowInFlight > limit) {
                throttled(request, throttleRetryAfterSeconds);
                return mailbox;
            }
            GraphFault fault = nextFault();
            if (fault != null && fault.kind() != GraphFault.Kind.ACCEPT_THEN_DELAY && fault.kind() != GraphFault.Kind.ACCEPT_THEN_504) {
                applyFault(request, fault);
                return mailbox;
            }
            pause(responseDelay);
            AcceptedMessage message = validate(request, caller, mailbox, mailboxInPath, body);
            if (message == null) {
                return mailbox;
            }
            accepted.add(message);
            checkBudget(mailbox, message, nowInFlight);
            fileSentCopy(message);
            if (fault != null && fault.kind() == GraphFault.Kind.ACCEPT_THEN_504) {
                applyFault(request, GraphFault.gatewayTimeout());
                return mailbox;
            }
            if (fault != null) {
                pause(fault.delay());
            }
            Map<String, String> headers = responseHeaders(message.requestId(), message.clientRequestId());
            request.sendEmpty(202, headers);
            return mailbox;
        } finally {
            if (released.compareAndSet(false, true)) {
                current.decrementAndGet();
            }
        }
    }

    private synchronized GraphFault nextFault() {
        return faults.poll();
    }

    private void applyFault(Request request, GraphFault fault) throws IOException {
        Map<String, String> headers = new LinkedHashMap<>();
        if (fault.retryAfterSeconds() != null) {
            headers.put("Retry-After", Integer.toString(fault.retryAfterSeconds()));
        }
        switch (fault.kind()) {
            case THROTTLED -> sendError(request, 429, "ApplicationThrottled",
                    "Application is over its MailboxConcurrency limit.", headers);
            case SERVICE_UNAVAILABLE -> sendError(request, 503, "ServiceUnavailable",
                    "The service is temporarily unavailable. Please try again later.", headers);
            case GATEWAY_TIMEOUT -> sendError(request, 504, "GatewayTimeout",
                    "The gateway did not receive a timely response from the upstream server.", headers);
            default -> throw new IllegalStateException("not a rejecting fault: " + fault);
        }
    }

    private void throttled(Request request, int retryAfterSeconds) throws IOException {
        sendError(request, 429, "ApplicationThrottled", "Application is over its MailboxConcurrency limit.",
                Map.of("Retry-After", Integer.toString(retryAfterSeconds)));
    }

    private void tooLarge(Request request) throws IOException {
        sendError(request, 413, "RequestEntityTooLarge",
                "The request is larger than the maximum size this endpoint accepts.", Map.of());
    }

    private static void pause(Duration delay) {
        if (delay == null || delay.isZero() || delay.isNegative()) {
            return;
        }
        try {
            Thread.sleep(delay.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Payload checks as Graph does them; answers 4xx and returns null when the payload is rejected. */
    private AcceptedMessage validate(Request request, Caller caller, String mailbox, String mailboxInPath,
                                     byte[] body) throws IOException {
        String contentType = request.header("Content-Type");
        String mediaType = contentType == null ? "" : contentType.split(";")[0].trim().toLowerCase(Locale.ROOT);
        String requestId = UUID.randomUUID().toString();
        String clientRequestId = clientRequestId(request, requestId);
        if (mediaType.equals("text/plain")) {
            byte[] mime = decodeMime(request, body);
            if (mime == null) {
                return null;
            }
            return new AcceptedMessage(mailbox, mailboxInPath, caller.appId(), Form.MIME, null, mime,
                    request.headers(), clientRequestId, requestId, Instant.now());
        }
        if (!mediaType.equals("application/json")) {
            sendError(request, 415, "UnsupportedMediaType",
                    "Content-Type '" + contentType + "' is not supported: use application/json or text/plain (MIME).",
                    Map.of());
            return null;
        }
        if (body.length == 0) {
            sendError(request, 400, "BadRequest", "Empty Payload. JSON content expected.", Map.of());
            return null;
        }
        JsonNode json;
        try {
            json = JSON.readTree(body);
        } catch (IOException e) {
            json = null;
        }
        if (json == null || !json.isObject()) {
            sendError(request, 400, "BadRequest", "Unable to read JSON request payload. Please ensure Content-Type"
                    + " header is set and payload is of valid JSON format.", Map.of());
            return null;
        }
        String problem = jsonProblem(json);
        if (problem != null) {
            String[] parts = problem.split("\\|", 2);
            sendError(request, 400, parts[0], parts[1], Map.of());
            return null;
        }
        return new AcceptedMessage(mailbox, mailboxInPath, caller.appId(), Form.JSON, json, null, request.headers(),
                clientRequestId, requestId, Instant.now());
    }

    /** {@code code|message} of the first problem, or null. */
    private static String jsonProblem(JsonNode root) {
        JsonNode message = root.get("message");
        if (message == null || message.isNull() || !message.isObject()) {
            return "ErrorInvalidParameter|The value of the parameter 'Message' is empty.";
        }
        JsonNode save = root.get("saveToSentItems");
        if (save != null && !save.isBoolean() && !save.isNull()) {
            return "RequestBodyRead|Cannot convert the literal '" + save.asText()
                    + "' to the expected type 'Edm.Boolean'.";
        }
        JsonNode body = message.get("body");
        if (body != null && !body.isNull()) {
            JsonNode type = body.get("contentType");
            if (type != null && !type.isNull()) {
                String value = type.asText();
                if (!value.equalsIgnoreCase("text") && !value.equalsIgnoreCase("html")) {
                    return "RequestBodyRead|Cannot convert the literal '" + value
                            + "' to the expected type 'microsoft.graph.bodyType'.";
                }
            }
        }
        int recipients = 0;
        for (String field : List.of("toRecipients", "ccRecipients", "bccRecipients")) {
            JsonNode list = message.get(field);
            if (list == null || list.isNull()) {
                continue;
            }
            if (!list.isArray()) {
                return "RequestBodyRead|An unexpected 'StartObject' node was found for property named '" + field
                        + "' when reading from the JSON reader. A 'StartArray' node was expected.";
            }
            for (JsonNode recipient : list) {
                JsonNode address = recipient.path("emailAddress").path("address");
                if (!address.isTextual() || !ADDRESS.matcher(address.asText()).matches()) {
                    String shown = address.isMissingNode() || address.isNull() ? "" : address.asText();
                    return "ErrorInvalidRecipients|At least one recipient is not valid., Recipient '" + shown
                            + "' is not resolved. All recipients must be resolved before a message can be submitted.";
                }
                recipients++;
            }
        }
        if (recipients == 0) {
            return "ErrorInvalidRecipients|At least one recipient is not valid., A message can't be sent because it"
                    + " contains no recipients.";
        }
        JsonNode attachments = message.get("attachments");
        if (attachments != null && !attachments.isNull()) {
            if (!attachments.isArray()) {
                return "RequestBodyRead|A 'StartArray' node was expected for property 'attachments'.";
            }
            for (JsonNode attachment : attachments) {
                JsonNode odataType = attachment.get("@odata.type");
                if (odataType == null || !odataType.isTextual()) {
                    return "RequestBodyRead|The property 'contentBytes' does not exist on type"
                            + " 'microsoft.graph.attachment'. Make sure to only use property names that are defined by"
                            + " the type or mark the type as open type.";
                }
                if (!FILE_ATTACHMENT_TYPES.contains(odataType.asText())) {
                    return "RequestBodyRead|The stand-in accepts only '#microsoft.graph.fileAttachment' attachments,"
                            + " not '" + odataType.asText() + "'.";
                }
                JsonNode bytes = attachment.get("contentBytes");
                if (bytes == null || !bytes.isTextual() || !isBase64(bytes.asText())) {
                    String shown = bytes == null ? "" : bytes.asText();
                    return "RequestBodyRead|Cannot convert the literal '"
                            + (shown.length() > 40 ? shown.substring(0, 40) + "..." : shown)
                            + "' to the expected type 'Edm.Binary'.";
                }
            }
        }
        return null;
    }

    private static boolean isBase64(String value) {
        try {
            Base64.getDecoder().decode(value);
            return true;
        } catch (IllegalArgumentException e) {
            return false;
        }
    }

    private byte[] decodeMime(Request request, byte[] body) throws IOException {
        String text = new String(body, StandardCharsets.US_ASCII).replaceAll("[\\r\\n\\t ]", "");
        byte[] mime;
        try {
            mime = text.isEmpty() ? null : Base64.getDecoder().decode(text);
        } catch (IllegalArgumentException e) {
            mime = null;
        }
        if (mime == null) {
            sendError(request, 400, "ErrorMimeContentInvalidBase64String", "Invalid base64 string for MIME content.",
                    Map.of());
            return null;
        }
        if (!mimeHasRecipient(new String(mime, StandardCharsets.UTF_8))) {
            sendError(request, 400, "ErrorInvalidRecipients",
                    "At least one recipient is not valid., A message can't be sent because it contains no recipients.",
                    Map.of());
            return null;
        }
        return mime;
    }

    private static boolean mimeHasRecipient(String mime) {
        for (String line : mime.split("\\r?\\n")) {
            if (line.isEmpty()) {
                return false;
            }
            String lower = line.toLowerCase(Locale.ROOT);
            if ((lower.startsWith("to:") || lower.startsWith("cc:") || lower.startsWith("bcc:"))
                    && line.contains("@")) {
                return true;
            }
        }
        return false;
    }

    private Mailbox mailbox(String upnOrId) {
        Mailbox mailbox = mailboxes.get(upnOrId.toLowerCase(Locale.ROOT));
        if (mailbox == null) {
            throw new IllegalArgumentException("no mailbox " + upnOrId);
        }
        return mailbox;
    }

    // ---------------------------------------------------------------- Inbox (non-delivery reports, for bounces)

    /** Roles that may read a message's body: Mail.ReadBasic hides it. */
    public static final Set<String> MAIL_BODY_ROLES = Set.of("Mail.Read", "Mail.ReadWrite");

    /** A message in a mailbox's Inbox, as a test put it there (e.g. an NDR fixture). */
    public record InboxItem(String mailbox, Instant receivedAt, String contentType, String body) {
    }

    private final List<InboxItem> inbox = new java.util.concurrent.CopyOnWriteArrayList<>();

    /** Delivers {@code html} into the Inbox of {@code mailbox} (its UPN), received at {@code receivedAt}. */
    public void deliverToInbox(String mailbox, Instant receivedAt, String html) {
        inbox.add(new InboxItem(mailbox.toLowerCase(Locale.ROOT), receivedAt, "html", html));
    }

    private static final java.util.regex.Pattern RECEIVED_FILTER =
            java.util.regex.Pattern.compile("receivedDateTime ge (\\d{4}-\\d{2}-\\d{2}T[0-9:.]+Z)");

    /**
     * {@code GET /users/{id}/mailFolders/inbox/messages?$filter=receivedDateTime ge <t>&$select=receivedDateTime,body}: needs
     * Mail.Read (or Mail.ReadWrite); only that filter is understood. One page, oldest first.
     */
    private void listInbox(Request request) throws IOException {
        Caller caller = authenticate(request);
        if (caller == null) {
            return;
        }
        if (caller.roles().stream().noneMatch(MAIL_BODY_ROLES::contains)) {
            sendError(request, 403, "ErrorAccessDenied", "Access is denied. Check credentials and try again.", Map.of());
            return;
        }
        String mailbox = resolveMailbox(request, caller, request.pathGroup(1));
        if (mailbox == null) {
            return;
        }
        String filter = request.query("$filter");
        java.util.regex.Matcher m = filter == null ? null : RECEIVED_FILTER.matcher(filter);
        if (m == null || !m.matches()) {
            sendError(request, 400, "BadRequest", "Invalid filter clause: the stand-in understands only receivedDateTime ge <time>.",
                    Map.of());
            return;
        }
        Instant since = Instant.parse(m.group(1));
        List<Map<String, Object>> value = new java.util.ArrayList<>();
        inbox.stream().filter(i -> i.mailbox().equalsIgnoreCase(mailbox) && !i.receivedAt().isBefore(since))
                .sorted(java.util.Comparator.comparing(InboxItem::receivedAt))
                .forEach(i -> value.add(Map.of("receivedDateTime", i.receivedAt().toString(),
                        "body", Map.of("contentType", i.contentType(), "content", i.body()))));
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("@odata.context", graphUrl() + "/$metadata#users('" + mailbox + "')/mailFolders('inbox')/messages(receivedDateTime,body)");
        body.put("value", value);
        request.sendJson(200, body, Map.of());
    }
}
