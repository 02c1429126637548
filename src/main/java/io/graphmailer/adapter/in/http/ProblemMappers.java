package io.graphmailer.adapter.in.http;

import io.graphmailer.application.JobRunException;
import io.graphmailer.domain.InvalidMailException;
import io.graphmailer.domain.MailTransportException;
import io.graphmailer.domain.SenderNotAllowedException;
import io.graphmailer.domain.SignInRequiredException;
import io.graphmailer.domain.Violation;
import io.graphmailer.domain.budget.BudgetLimit;
import io.graphmailer.domain.budget.BudgetUnavailableException;
import io.graphmailer.domain.budget.MailboxBudgetExceededException;
import jakarta.ws.rs.NotAllowedException;
import jakarta.ws.rs.NotFoundException;
import jakarta.ws.rs.NotSupportedException;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.WebApplicationException;
import jakarta.ws.rs.core.Response;
import org.jboss.logging.Logger;
import org.jboss.resteasy.reactive.server.ServerExceptionMapper;

import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/** Every failure leaves through {@link ErrorResponses}: Graph's error envelope plus the problem fields naming what is wrong. */
public class ProblemMappers {
    private static final Logger LOG = Logger.getLogger(ProblemMappers.class);
    /** Configuration faults are logged once per cause, not once per request. */
    private static final Set<String> LOGGED_CAUSES = ConcurrentHashMap.newKeySet();
    /** A store outage is usually over within this; a later retry costs the caller nothing. */
    static final long BUDGET_UNAVAILABLE_RETRY_SECONDS = 30;

    @ServerExceptionMapper
    public Response invalid(InvalidMailException e, HttpHeaders headers) {
        Violation first = e.violations().isEmpty() ? new Violation("body", "is invalid") : e.violations().get(0);
        String detail = e.violations().size() == 1
                ? first.field() + " " + first.message()
                : e.violations().size() + " problems, first: " + first.field() + " " + first.message();
        return ErrorResponses.response(Problem.of(400, "invalid-request", "The message cannot be sent as requested", detail, "ErrorInvalidRequest")
                .withErrors(e.violations()), headers);
    }

    @ServerExceptionMapper
    public Response senderNotAllowed(SenderNotAllowedException e, HttpHeaders headers) {
        boolean mailbox = "mailbox".equals(e.field());
        return ErrorResponses.response(Problem.of(403, "sender-not-allowed", "Sending as this mailbox is not allowed",
                mailbox ? e.getMessage() + "; ask the graph-mailer operators to add it to GRAPH_MAILER_ALLOWED_SENDERS" : e.getMessage(),
                "ErrorAccessDenied").withErrors(List.of(new Violation(e.field(),
                        mailbox ? "is not an allowed sender" : "is not a mailbox this mailbox may send as"))), headers);
    }

    @ServerExceptionMapper
    public Response transport(MailTransportException e, HttpHeaders headers) {
        Problem p = switch (e.kind()) {
            case REJECTED -> Problem.of(400, "rejected", "The mail service refused the message", e.getMessage(), e.code());
            case TRANSIENT -> Problem.of(503, "busy", "The mail service is busy; try again later", e.getMessage(), e.code());
            case OUTCOME_UNKNOWN -> Problem.of(504, "outcome-unknown",
                    "The mail service did not confirm the send; it may or may not have been sent", e.getMessage(), e.code());
            case CONFIGURATION -> {
                if (LOGGED_CAUSES.add(e.code() + ":" + e.getMessage())) {
                    LOG.errorf("configuration fault %s: %s", e.code(), e.getMessage());
                }
                yield Problem.of(500, "configuration", "graph-mailer is not configured correctly; this is not the caller's fault",
                        e.getMessage(), e.code());
            }
        };
        Response.ResponseBuilder builder = ErrorResponses.builder(p, headers);
        if (e.retryAfter() != null) {
            builder.header("Retry-After", Math.max(1, e.retryAfter().toSeconds()));
        }
        return builder.build();
    }

    /**
     * A delegated mailbox that needs a new sign-in (its refresh token expired or was revoked, MFA or Conditional Access
     * asks for more, consent was withdrawn, Send As is missing, or nobody signed in): 503 {@code MailboxSignInRequired}.
     * Not a 500 (graph-mailer is configured as intended, an operator must act) and not the caller's fault (the request
     * is fine): the service cannot send as this mailbox until someone runs the command the detail names. No Retry-After:
     * only a person ends the wait. With {@code Prefer: respond-async} the message is queued instead and waits for the
     * sign-in. Logged once per mailbox and cause.
     */
    @ServerExceptionMapper
    public Response signInRequired(SignInRequiredException e, HttpHeaders headers) {
        if (LOGGED_CAUSES.add("sign-in:" + e.mailbox().key() + ":" + e.code())) {
            LOG.warnf("delegated mailbox %s needs a sign-in (%s); sends as it are refused until then: run %s", e.mailbox(), e.code(),
                    e.command());
        }
        Problem p = Problem.of(503, "mailbox-sign-in-required", "The mailbox must be signed in again before graph-mailer can send as it",
                        e.getMessage(), "MailboxSignInRequired")
                .withErrors(List.of(new Violation("mailbox", e.mailbox() + " needs a new sign-in (" + e.code() + "); an operator runs "
                        + e.command())));
        return ErrorResponses.response(p, headers);
    }

    /**
     * Over the mailbox's budget: 429 with Retry-After computed from the window, the code naming the kind of limit
     * ({@code MailboxRateLimited}, {@code MailboxDailyQuotaReached}) in Graph's envelope as in the problem. Graph SDKs
     * retry a 429 after its Retry-After. See docs/adr/0015.
     */
    @ServerExceptionMapper
    public Response budgetExceeded(MailboxBudgetExceededException e, HttpHeaders headers) {
        long seconds = e.retryAfterSeconds(Instant.now());
        boolean daily = e.limit() == BudgetLimit.RECIPIENTS_PER_DAY;
        String detail = e.getMessage() + "; retry after " + seconds + " s (the mailbox's " + e.limit().settingName() + " budget)";
        Problem p = Problem.of(429, daily ? "mailbox-daily-quota-reached" : "mailbox-rate-limited",
                        daily ? "The mailbox's daily recipient budget is used up" : "The mailbox is sending as fast as its budget allows",
                        detail, e.limit().problemCode())
                .withErrors(List.of(new Violation("mailbox", e.mailbox() + " is over its " + e.limit().settingName()
                        + " budget until " + e.retryAt().truncatedTo(ChronoUnit.SECONDS))));
        return ErrorResponses.builder(p, headers).header("Retry-After", seconds).build();
    }

    /** The shared budget store cannot be reached and GRAPH_MAILER_BUDGET_UNAVAILABLE_HTTP is {@code refuse}. */
    @ServerExceptionMapper
    public Response budgetUnavailable(BudgetUnavailableException e, HttpHeaders headers) {
        if (LOGGED_CAUSES.add("budget-unavailable")) {
            LOG.warnf("mailbox budget store unreachable, HTTP sends refused (GRAPH_MAILER_BUDGET_UNAVAILABLE_HTTP=refuse): %s", e.getMessage());
        }
        Problem p = Problem.of(503, "budget-unavailable", "The mailbox budget cannot be checked; try again later",
                "graph-mailer cannot reach the store that keeps the mailboxes' sending budgets, so it does not send as if within them",
                "ServiceUnavailable");
        return ErrorResponses.builder(p, headers).header("Retry-After", BUDGET_UNAVAILABLE_RETRY_SECONDS).build();
    }

    /** From {@link JobsResource}: an occurrence that could not run. */
    @ServerExceptionMapper
    public Response jobRun(JobRunException e, HttpHeaders headers) {
        return ErrorResponses.response(switch (e.kind()) {
            case UNKNOWN_JOB -> Problem.of(404, "job-not-found", "No such job", e.getMessage(), "ResourceNotFound");
            case SOURCE_FAILED -> Problem.of(502, "job-source-failed", "The job's data source or attachment failed", e.getMessage(), "BadGateway");
            case INVALID_CONTENT -> Problem.of(422, "job-invalid-content", "The job renders a message that cannot be sent", e.getMessage(), "ErrorInvalidRequest");
            case QUEUE_FAILED -> Problem.of(503, "job-queue-failed", "The outbox queue failed", e.getMessage(), "ServiceUnavailable");
        }, headers);
    }

    @ServerExceptionMapper
    public Response unsupported(NotSupportedException e, HttpHeaders headers) {
        return ErrorResponses.response(Problem.of(415, "unsupported-media-type", "Unsupported Content-Type",
                "send application/json (Graph's sendMail JSON) or text/plain (a base64 MIME message)", "UnsupportedMediaType")
                .withErrors(List.of(new Violation("Content-Type", "must be application/json or text/plain"))), headers);
    }

    @ServerExceptionMapper
    public Response notFound(NotFoundException e, HttpHeaders headers) {
        return ErrorResponses.response(Problem.of(404, "not-found", "No such resource",
                "graph-mailer serves POST /api/users/{mailbox}/sendMail (also under /api/v1.0 and /api/beta)", "ResourceNotFound"), headers);
    }

    @ServerExceptionMapper
    public Response notAllowed(NotAllowedException e, HttpHeaders headers) {
        return ErrorResponses.response(Problem.of(405, "method-not-allowed", "Method not allowed", "use POST", "MethodNotAllowed"), headers);
    }

    /** A resource's or filter's refusal; a 401 carries the Bearer challenge (RFC 9110 requires one). */
    @ServerExceptionMapper
    public Response refused(ProblemException e, HttpHeaders headers) {
        Response.ResponseBuilder builder = ErrorResponses.builder(e.problem(), headers);
        if (e.problem().status() == 401) {
            builder.header(HttpHeaders.WWW_AUTHENTICATE, "Bearer");
        }
        return builder.build();
    }

    /** Other HTTP-level refusals keep their status, as a problem. */
    @ServerExceptionMapper
    public Response webApplication(WebApplicationException e, HttpHeaders headers) {
        Response given = e.getResponse();
        int status = given == null ? 500 : given.getStatus();
        if (status >= 500) {
            return unexpected(e, headers);
        }
        if (given.hasEntity()) {
            return given;
        }
        String reason = given.getStatusInfo().getReasonPhrase();
        return ErrorResponses.response(Problem.of(status, "http-" + status, reason == null ? "Request refused" : reason,
                "the request was refused with HTTP " + status, "BadRequest")
                .withErrors(List.of(new Violation("request", "was refused with HTTP " + status))), headers);
    }

    /**
     * Anything else is a bug, never the caller's fault: a problem without a stack trace (the body never carries
     * internals). Logged once per exception type and place, without its message, which may quote the request.
     */
    @ServerExceptionMapper
    public Response unexpected(Throwable e, HttpHeaders headers) {
        StackTraceElement at = e.getStackTrace().length == 0 ? null : e.getStackTrace()[0];
        String cause = e.getClass().getName() + (at == null ? "" : " at " + at);
        if (LOGGED_CAUSES.add("unexpected:" + cause)) {
            LOG.errorf("unexpected %s (message withheld: it may quote the request)", cause);
        }
        return ErrorResponses.response(Problem.of(500, "internal-error", "graph-mailer failed unexpectedly; this is not the caller's fault",
                "an unexpected " + e.getClass().getSimpleName() + "; the operators find it in the log", "InternalServerError"), headers);
    }
}
