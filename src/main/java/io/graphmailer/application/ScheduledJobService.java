package io.graphmailer.application;

import io.graphmailer.application.port.in.ManageJobsUseCase;
import io.graphmailer.application.port.in.RunScheduledJobsUseCase;
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
import io.graphmailer.domain.job.PastDuePolicy;
import io.graphmailer.domain.job.Recipients;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.BiConsumer;
import java.util.logging.Logger;

/**
 * Scheduled notification jobs. A due occurrence renders its messages and puts them on the outbox
 * queue, each with a key derived from job, occurrence and recipient. An occurrence is checked
 * completely first (source read to the end, every message rendered and validated) and only then
 * enqueued, in batches, streaming the rows again: a failing source or a bad row enqueues nothing.
 */
public class ScheduledJobService implements RunScheduledJobsUseCase, ManageJobsUseCase {
    private static final Logger LOG = Logger.getLogger(ScheduledJobService.class.getName());

    /**
     * @param batchSize      messages handed to the queue at a time (and at most held in memory while enqueueing)
     * @param pastDueAfter   an occurrence older than this when its tick runs counts as missed (past-due policy applies)
     * @param unknownLastRun how far back a tick looks when the host does not say when it last ran
     */
    public record Settings(int batchSize, Duration pastDueAfter, Duration unknownLastRun) {
    }

    private final Map<String, JobDefinition> jobs = new LinkedHashMap<>();
    private final JobMessageRenderer renderer;
    private final RecipientRowSource rows;
    private final AttachmentSource attachments;
    private final JobMailQueue queue;
    private final SenderPolicy senderPolicy;
    private final MailLimits limits;
    private final Settings settings;

    public ScheduledJobService(List<JobDefinition> definitions, JobMessageRenderer renderer, RecipientRowSource rows,
                               AttachmentSource attachments, JobMailQueue queue, SenderPolicy senderPolicy, MailLimits limits,
                               Settings settings) {
        for (JobDefinition job : definitions) {
            if (jobs.putIfAbsent(job.id(), job) != null) {
                throw new IllegalArgumentException("job '" + job.id() + "': id is used by more than one job");
            }
        }
        this.renderer = renderer;
        this.rows = rows;
        this.attachments = attachments;
        this.queue = queue;
        this.senderPolicy = senderPolicy;
        this.limits = limits;
        this.settings = settings;
    }

    @Override
    public List<JobDefinition> jobs() {
        return List.copyOf(jobs.values());
    }

    @Override
    public Optional<JobDefinition> job(String id) {
        return Optional.ofNullable(jobs.get(id));
    }

    // ---- the timer ----

    @Override
    public Report runDue(Tick tick) {
        Instant end = tick.now();
        Instant from = tick.lastRun() != null && tick.lastRun().isBefore(end) ? tick.lastRun() : end.minus(settings.unknownLastRun());
        Instant onTimeFrom = later(from, end.minus(settings.pastDueAfter()));
        List<OccurrenceOutcome> outcomes = new ArrayList<>();
        for (JobDefinition job : jobs.values()) {
            if (!job.enabled()) {
                continue;
            }
            List<Instant> onTime = new ArrayList<>();
            for (Optional<Instant> o = job.schedule().next(onTimeFrom, job.timeZone()); o.isPresent() && !o.get().isAfter(end);
                 o = job.schedule().next(o.get(), job.timeZone())) {
                onTime.add(o.get());
            }
            Optional<Instant> missed = from.isBefore(onTimeFrom) ? job.schedule().latest(from, onTimeFrom, job.timeZone()) : Optional.empty();
            if (missed.isPresent()) {
                if (job.pastDue() == PastDuePolicy.CATCH_UP && onTime.isEmpty()) {
                    outcomes.add(runForTimer(job, missed.get(), Outcome.CAUGHT_UP));
                } else {
                    String why = job.pastDue() == PastDuePolicy.SKIP ? "past-due policy skip"
                            : "an on-time occurrence runs in the same tick";
                    LOG.warning(() -> "job " + job.id() + ": missed occurrence " + missed.get() + " (and any before it) not run: " + why);
                    outcomes.add(new OccurrenceOutcome(job.id(), missed.get(), Outcome.SKIPPED_PAST_DUE, 0, why));
                }
            }
            for (Instant at : onTime) {
                outcomes.add(runForTimer(job, at, Outcome.ENQUEUED));
            }
        }
        return new Report(from, end, outcomes);
    }

    private OccurrenceOutcome runForTimer(JobDefinition job, Instant at, Outcome success) {
        try {
            RunResult result = runOccurrence(job, new Occurrence(job.id(), at));
            return new OccurrenceOutcome(job.id(), result.occurrence(), success, result.enqueued(), null);
        } catch (JobRunException e) {
            // Visible, and contained: the other jobs run, and the next occurrence of this one runs as usual.
            LOG.severe(() -> e.getMessage());
            return new OccurrenceOutcome(job.id(), at, Outcome.FAILED, 0, e.getMessage());
        } catch (RuntimeException e) {
            String detail = "job '" + job.id() + "', occurrence " + at + ": failed unexpectedly: " + e.getClass().getSimpleName();
            LOG.severe(() -> detail + ": " + e.getMessage());
            return new OccurrenceOutcome(job.id(), at, Outcome.FAILED, 0, detail);
        }
    }

    // ---- preview and run now ----

    @Override
    public RunResult run(String jobId, Instant at) {
        JobDefinition job = require(jobId);
        return runOccurrence(job, new Occurrence(job.id(), at));
    }

    @Override
    public Preview preview(String jobId, Instant at, int limit) {
        JobDefinition job = require(jobId);
        Occurrence occurrence = new Occurrence(job.id(), at);
        List<PreviewMessage> messages = new ArrayList<>();
        long total = forEachMessage(job, occurrence, (mail, rendered) -> {
            if (messages.size() < limit) {
                messages.add(preview(mail, rendered));
            }
        }, limit);
        return new Preview(job.id(), occurrence.scheduledAt(), total, messages);
    }

    private JobDefinition require(String jobId) {
        JobDefinition job = jobs.get(jobId);
        if (job == null) {
            throw new JobRunException(JobRunException.Kind.UNKNOWN_JOB, "no job with id '" + jobId + "'");
        }
        return job;
    }

    private RunResult runOccurrence(JobDefinition job, Occurrence occurrence) {
        String what = "job '" + job.id() + "', occurrence " + occurrence.scheduledAt();
        // Pass 1: everything is read, rendered and checked; nothing is enqueued yet.
        long total = forEachMessage(job, occurrence, (mail, rendered) -> { }, Long.MAX_VALUE);
        // Pass 2: the same messages again, enqueued in batches.
        List<JobMail> batch = new ArrayList<>(settings.batchSize());
        int[] enqueued = {0};
        try {
            forEachMessage(job, occurrence, (mail, rendered) -> {
                batch.add(mail);
                if (batch.size() >= settings.batchSize()) {
                    queue.enqueue(List.copyOf(batch));
                    enqueued[0] += batch.size();
                    batch.clear();
                }
            }, Long.MAX_VALUE);
            if (!batch.isEmpty()) {
                queue.enqueue(List.copyOf(batch));
                enqueued[0] += batch.size();
                batch.clear();
            }
        } catch (JobRunException e) {
            throw partial(what, enqueued[0], total, e.getMessage());
        } catch (RuntimeException e) {
            throw partial(what, enqueued[0], total, "the outbox queue failed: " + e.getClass().getSimpleName() + ": " + e.getMessage());
        }
        LOG.info(() -> what + ": " + enqueued[0] + " message(s) enqueued");
        return new RunResult(job.id(), occurrence.scheduledAt(), enqueued[0]);
    }

    private static JobRunException partial(String what, int enqueued, long total, String cause) {
        return new JobRunException(JobRunException.Kind.QUEUE_FAILED, what + ": " + enqueued + " of " + total
                + " message(s) enqueued before " + cause + ". Run the occurrence again (POST /api/jobs/{id}/run?at=<occurrence>):"
                + " the idempotency keys keep the enqueued ones from being sent twice");
    }

    /** Builds each message of the occurrence in order and hands it to {@code sink}; returns how many there are. */
    private long forEachMessage(JobDefinition job, Occurrence occurrence, BiConsumer<JobMail, JobMessageRenderer.Rendered> sink, long stopAfter) {
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

    private static PreviewMessage preview(JobMail mail, JobMessageRenderer.Rendered rendered) {
        EmailMessage m = (EmailMessage) mail.command().content();
        return new PreviewMessage(mail.idempotencyKey(), m.subject(), m.bodyType().name().toLowerCase(java.util.Locale.ROOT), m.bodyContent(),
                rendered.text(), addresses(m.to()), addresses(m.cc()), addresses(m.bcc()), m.attachments().stream().map(Attachment::name).toList());
    }

    private static List<String> addresses(List<EmailAddress> list) {
        return list.stream().map(EmailAddress::address).toList();
    }

    private static Instant later(Instant a, Instant b) {
        return a.isAfter(b) ? a : b;
    }
}
