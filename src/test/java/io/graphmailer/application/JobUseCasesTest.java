package io.graphmailer.application;

import io.graphmailer.application.port.in.ManageJobsUseCase;
import io.graphmailer.application.port.in.RunScheduledJobsUseCase.Outcome;
import io.graphmailer.application.port.in.RunScheduledJobsUseCase.Report;
import io.graphmailer.application.port.in.RunScheduledJobsUseCase.Tick;
import io.graphmailer.application.port.out.JobMailQueue;
import io.graphmailer.application.port.out.JobMessageRenderer;
import io.graphmailer.application.port.out.MailQueue;
import io.graphmailer.application.port.out.MailTransport;
import io.graphmailer.application.port.out.RecipientRowSource;
import io.graphmailer.application.port.out.SendLedger;
import io.graphmailer.domain.EmailAddress;
import io.graphmailer.domain.EmailMessage;
import io.graphmailer.domain.LedgerEntry;
import io.graphmailer.domain.MailLimits;
import io.graphmailer.domain.Mailbox;
import io.graphmailer.domain.QueuedMail;
import io.graphmailer.domain.SendMailCommand;
import io.graphmailer.domain.SenderPolicy;
import io.graphmailer.domain.job.DataSource;
import io.graphmailer.domain.job.JobDefinition;
import io.graphmailer.domain.job.JobTemplates;
import io.graphmailer.domain.job.NcrontabSchedule;
import io.graphmailer.domain.job.Occurrence;
import io.graphmailer.domain.job.PastDuePolicy;
import io.graphmailer.domain.job.Recipients;
import org.junit.jupiter.api.Test;

import io.graphmailer.application.port.out.SentMessageLookup;
import io.graphmailer.domain.SmtpMailboxes;
import io.graphmailer.domain.budget.MailboxBudgetPolicy;
import io.graphmailer.domain.budget.MailboxLimits;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.IntFunction;
import java.util.stream.IntStream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The scheduling use case with the real queued-send path behind it: enqueued mail goes through
 * {@link QueuedSendService} with an in-memory send ledger, so "sent once" is proven, not assumed.
 */
class JobUseCasesTest {
    /** These tests are about jobs, not the mailbox budget (its own tests are in domain.budget): limits far above their volume. */
    private static final MailboxBudgetPolicy ROOMY_BUDGET = new MailboxBudgetPolicy(new MailboxLimits(100, 1_000_000, 10_000_000, 1_000_000),
            100, 0, List.of(), SmtpMailboxes.NONE);
    private static final String SENDER = "noreply@contoso.example";
    private static final Instant MONDAY_0800 = Instant.parse("2025-01-06T08:00:00Z");

    private final List<SendMailCommand> sent = new ArrayList<>();
    private final List<List<JobMailQueue.JobMail>> batches = new ArrayList<>();
    private final Map<String, Object> rowSources = new HashMap<>();
    private QueuedSendService queued;
    private int[] producedRows = {0};
    private int maxRowsAheadOfQueue = 0;
    private int enqueuedCount = 0;

    private final JobMailQueue queue = new JobMailQueue() {
        @Override
        public void check(JobMail mail) {
            if (mail.command().content() instanceof EmailMessage m && m.subject().contains("too-large")) {
                throw new IllegalArgumentException("the envelope is larger than a queue message");
            }
        }

        @Override
        public void enqueue(List<JobMail> batch) {
            batches.add(batch);
            enqueuedCount += batch.size();
            for (JobMail mail : batch) {
                queued.process(new QueuedMail(mail.command(), mail.idempotencyKey(), 0, "{}"));
            }
        }
    };

    /** Replaces {name} and {occurrence} in the templates; enough to exercise the service. */
    private final JobMessageRenderer renderer = new JobMessageRenderer() {
        @Override
        public void prepare(JobDefinition job) {
        }

        @Override
        public Rendered render(JobDefinition job, Occurrence occurrence, Map<String, Object> row, String address, String name) {
            if (row.containsKey("boom")) {
                throw new RenderException("html", "property 'boom' not found");
            }
            return new Rendered(fill(job.templates().subject(), row, occurrence), fill(job.templates().html(), row, occurrence),
                    fill(job.templates().text(), row, occurrence));
        }

        private String fill(String template, Map<String, Object> row, Occurrence occurrence) {
            return template == null ? null
                    : template.replace("{name}", String.valueOf(row.get("name"))).replace("{team}", String.valueOf(row.get("team"))).replace("{occurrence}", occurrence.scheduledAt().toString());
        }
    };

    private final RecipientRowSource rows = source -> {
        Object spec = rowSources.get(source.url());
        if (spec instanceof RuntimeException e) {
            throw e;
        }
        @SuppressWarnings("unchecked")
        Map.Entry<Integer, IntFunction<Map<String, Object>>> generated = (Map.Entry<Integer, IntFunction<Map<String, Object>>>) spec;
        return new RecipientRowSource.RowSet() {
            @Override
            public long count() {
                return generated.getKey();
            }

            @Override
            public Iterator<Map<String, Object>> iterator() {
                // Rows are made one at a time, as a streamed source would hand them out.
                return new Iterator<>() {
                    int i = 0;

                    @Override
                    public boolean hasNext() {
                        return i < generated.getKey();
                    }

                    @Override
                    public Map<String, Object> next() {
                        if (!hasNext()) {
                            throw new NoSuchElementException();
                        }
                        producedRows[0]++;
                        maxRowsAheadOfQueue = Math.max(maxRowsAheadOfQueue, producedRows[0] - enqueuedCount);
                        return generated.getValue().apply(i++);
                    }
                };
            }

            @Override
            public void close() {
            }
        };
    };

    JobUseCasesTest() {
        InMemoryLedger ledger = new InMemoryLedger();
        MailTransport transport = new MailTransport() {
            @Override
            public void send(SendMailCommand command, String trackingId) {
                sent.add(command);
            }

            @Override
            public String name() {
                return "recording";
            }
        };
        MailQueue unused = new MailQueue() {
            @Override
            public void requeue(String message, Duration delay) {
                throw new AssertionError("no retry expected");
            }

            @Override
            public void deadLetter(String original, String code, String reason) {
                throw new AssertionError("no dead letter expected: " + reason);
            }

            @Override
            public void poison(String original, String code, String reason) {
                throw new AssertionError("no poison expected");
            }
        };
        queued = new QueuedSendService(new SenderPolicy(List.of(SENDER)), transport, ledger, unused, (o, k, a) -> o,
                new PerMailboxLimiter(4), new QueuedSendService.Settings(QueuedSendService.UnknownOutcomePolicy.RESEND, 5,
                Duration.ofSeconds(30), Duration.ofMinutes(15)), Clock.systemUTC(), AttachmentResolver.none(), SentMessageLookup.NONE,
                new InMemoryMailboxBudget(Clock.systemUTC(), Duration.ofMinutes(5)), ROOMY_BUDGET);
    }

    /** Both job use cases over the same jobs, as the wiring builds them. */
    private record JobUseCases(RunScheduledJobsService timer, ManageJobsService manage) {
        Report runDue(Tick tick) {
            return timer.runDue(tick);
        }

        ManageJobsUseCase.RunResult run(String jobId, Instant at) {
            return manage.run(jobId, at);
        }

        ManageJobsUseCase.Preview preview(String jobId, Instant at, int limit) {
            return manage.preview(jobId, at, limit);
        }
    }

    private JobUseCases service(JobDefinition... jobs) {
        ManageJobsService manage = new ManageJobsService(List.of(jobs), renderer, rows, location -> new byte[]{1}, queue,
                new SenderPolicy(List.of(SENDER)), MailLimits.DEFAULT, 100);
        return new JobUseCases(new RunScheduledJobsService(manage,
                new RunScheduledJobsService.Settings(Duration.ofMinutes(5), Duration.ofMinutes(2))), manage);
    }

    private static JobDefinition staticJob(String id, String schedule, PastDuePolicy pastDue, List<EmailAddress> to, List<EmailAddress> bcc) {
        return new JobDefinition(id, NcrontabSchedule.parse(schedule), ZoneOffset.UTC, new Mailbox(SENDER),
                new Recipients.Static(to, List.of(), bcc), new JobTemplates("Digest {occurrence}", "<p>digest</p>", "digest"),
                List.of(), pastDue, true, true);
    }

    private static JobDefinition rowJob(String id, String url, String subject) {
        return new JobDefinition(id, NcrontabSchedule.parse("0 0 8 * * *"), ZoneOffset.UTC, new Mailbox(SENDER),
                new Recipients.PerRow(new DataSource(url, DataSource.Auth.NONE, null, Duration.ofSeconds(10), "email", "name")),
                new JobTemplates(subject, "<p>Hello {name}</p>", "Hello {name}"), List.of(), PastDuePolicy.CATCH_UP, true, true);
    }

    private static List<EmailAddress> people(int n) {
        return IntStream.range(0, n).mapToObj(i -> new EmailAddress("person" + i + "@fabrikam.example", null)).toList();
    }

    private void rows(String url, int count, IntFunction<Map<String, Object>> row) {
        rowSources.put(url, Map.entry(count, row));
    }

    private static Map<String, Object> person(int i) {
        return Map.of("email", "person" + i + "@fabrikam.example", "name", "Person " + i);
    }

    @Test
    void givenATickAtTheScheduledTime_thenTheOccurrenceIsEnqueuedAndSent() {
        JobUseCases service = service(staticJob("digest", "0 0 8 * * MON", PastDuePolicy.CATCH_UP, people(2), List.of()));

        Report report = service.runDue(new Tick(MONDAY_0800.plusMillis(15), MONDAY_0800.minusSeconds(60), false));

        assertThat(report.occurrences()).singleElement().satisfies(o -> {
            assertThat(o.outcome()).isEqualTo(Outcome.ENQUEUED);
            assertThat(o.occurrence()).isEqualTo(MONDAY_0800);
        });
        assertThat(sent).singleElement().satisfies(c -> assertThat(((EmailMessage) c.content()).subject()).isEqualTo("Digest 2025-01-06T08:00:00Z"));
        assertThat(batches.get(0).get(0).idempotencyKey()).isEqualTo("job|digest|2025-01-06T08:00:00Z|list#1");
    }

    @Test
    void givenTheSameTimerInvocationTwice_thenTheSameKeysAreEnqueuedAndEachMessageIsSentOnce() {
        JobUseCases service = service(rowJob("reminder", "https://feed.example/rows", "Reminder for {name}"));
        rows("https://feed.example/rows", 3, JobUseCasesTest::person);
        Tick tick = new Tick(MONDAY_0800.plusMillis(20), MONDAY_0800.minusSeconds(60), false);

        service.runDue(tick);
        service.runDue(tick);
        // A later tick whose window overlaps the first one (host's Last a little early) changes nothing either.
        service.runDue(new Tick(MONDAY_0800.plusSeconds(60), MONDAY_0800.minusMillis(5), false));

        assertThat(batches).hasSize(3);
        assertThat(batches.get(1)).extracting(JobMailQueue.JobMail::idempotencyKey)
                .containsExactlyElementsOf(batches.get(0).stream().map(JobMailQueue.JobMail::idempotencyKey).toList());
        assertThat(sent).hasSize(3);
        assertThat(batches.get(0)).extracting(JobMailQueue.JobMail::idempotencyKey)
                .containsExactly("job|reminder|2025-01-06T08:00:00Z|person0@fabrikam.example",
                        "job|reminder|2025-01-06T08:00:00Z|person1@fabrikam.example",
                        "job|reminder|2025-01-06T08:00:00Z|person2@fabrikam.example");
    }

    @Test
    void givenTheHostWasDownForDays_thenCatchUpRunsTheLatestMissedOccurrenceOnce() {
        JobUseCases service = service(staticJob("daily", "0 0 8 * * *", PastDuePolicy.CATCH_UP, people(1), List.of()));
        // Last ran Thursday 2 January; now it is Monday 6 January 12:00: four 08:00 occurrences were missed.
        Report report = service.runDue(new Tick(Instant.parse("2025-01-06T12:00:00Z"), Instant.parse("2025-01-02T09:00:00Z"), true));

        assertThat(report.occurrences()).singleElement().satisfies(o -> {
            assertThat(o.outcome()).isEqualTo(Outcome.CAUGHT_UP);
            assertThat(o.occurrence()).isEqualTo(MONDAY_0800);
        });
        assertThat(sent).hasSize(1);

        // The host's next tick (its Last is now the catch-up run) does not catch up again.
        service.runDue(new Tick(Instant.parse("2025-01-06T12:01:00Z"), Instant.parse("2025-01-06T12:00:00Z"), false));
        assertThat(sent).hasSize(1);
    }

    @Test
    void givenPastDuePolicySkip_thenMissedOccurrencesAreNotRun() {
        JobUseCases service = service(staticJob("daily", "0 0 8 * * *", PastDuePolicy.SKIP, people(1), List.of()));

        Report report = service.runDue(new Tick(Instant.parse("2025-01-06T12:00:00Z"), Instant.parse("2025-01-02T09:00:00Z"), true));

        assertThat(report.occurrences()).singleElement().satisfies(o -> assertThat(o.outcome()).isEqualTo(Outcome.SKIPPED_PAST_DUE));
        assertThat(sent).isEmpty();
    }

    @Test
    void givenNoLastRunFromTheHost_thenOnlyTheRecentWindowIsRun() {
        JobUseCases service = service(staticJob("daily", "0 0 8 * * *", PastDuePolicy.CATCH_UP, people(1), List.of()));

        service.runDue(new Tick(Instant.parse("2025-01-06T12:00:00Z"), null, false));
        assertThat(sent).isEmpty();
        service.runDue(new Tick(MONDAY_0800.plusSeconds(30), null, false));
        assertThat(sent).hasSize(1);
    }

    @Test
    void givenAStaticListOver500_thenItIsSplitIntoMessagesOfAtMost500() {
        JobUseCases service = service(staticJob("all-hands", "0 0 8 * * *", PastDuePolicy.CATCH_UP, people(2), people(1_100)));

        service.run("all-hands", MONDAY_0800);

        assertThat(sent).hasSize(3).allSatisfy(c -> assertThat(c.content().recipientCount()).isLessThanOrEqualTo(500));
        assertThat(sent.stream().mapToInt(c -> c.content().recipientCount()).sum()).isEqualTo(1_102);
        assertThat(((EmailMessage) sent.get(0).content()).to()).hasSize(2);
        assertThat(batches.get(0)).extracting(JobMailQueue.JobMail::idempotencyKey)
                .containsExactly("job|all-hands|2025-01-06T08:00:00Z|list#1", "job|all-hands|2025-01-06T08:00:00Z|list#2",
                        "job|all-hands|2025-01-06T08:00:00Z|list#3");
    }

    @Test
    void given10000Rows_thenTheyAreEnqueuedInBatchesWhileStreamedNeverAllHeld() {
        JobUseCases service = service(rowJob("reminder", "https://feed.example/big", "Reminder for {name}"));
        rows("https://feed.example/big", 10_000, JobUseCasesTest::person);

        service.run("reminder", MONDAY_0800);

        assertThat(sent).hasSize(10_000);
        assertThat(batches).hasSize(100).allSatisfy(b -> assertThat(b).hasSize(100));
        // Two streamed passes (check, then enqueue); while enqueueing, never more than one batch of rows is ahead of the queue.
        assertThat(producedRows[0]).isEqualTo(20_000);
        assertThat(maxRowsAheadOfQueue - 10_000).isLessThanOrEqualTo(100);
    }

    @Test
    void givenABadRowNearTheEnd_thenTheJobFailsNamingTheRowAndNothingIsEnqueued() {
        JobUseCases service = service(rowJob("reminder", "https://feed.example/bad", "Reminder for {name}"));
        rows("https://feed.example/bad", 1_000, i -> i == 990 ? Map.of("email", "not-an-address") : person(i));

        assertThatThrownBy(() -> service.run("reminder", MONDAY_0800))
                .isInstanceOf(JobRunException.class)
                .hasMessageContaining("job 'reminder', occurrence 2025-01-06T08:00:00Z, row 990: field 'email' is not a valid address")
                .hasMessageContaining("nothing was enqueued");
        assertThat(batches).isEmpty();
    }

    @Test
    void givenASubjectWithALineBreakAfterRendering_thenTheJobFailsNamingJobRowAndField() {
        JobUseCases service = service(rowJob("reminder", "https://feed.example/hostile", "Reminder for {team}"));
        rows("https://feed.example/hostile", 2, i -> i == 1
                ? Map.of("email", "mallory@fabrikam.example", "team", "x\r\nBcc: everyone@contoso.example") : person(i));

        assertThatThrownBy(() -> service.run("reminder", MONDAY_0800))
                .hasMessageContaining("job 'reminder', occurrence 2025-01-06T08:00:00Z, row 1: subject must not contain line breaks");
        assertThat(batches).isEmpty();
        assertThat(sent).isEmpty();
    }

    @Test
    void givenADisplayNameWithALineBreak_thenTheRowIsRefused() {
        JobUseCases service = service(rowJob("reminder", "https://feed.example/hostile-name", "Reminder"));
        rows("https://feed.example/hostile-name", 1, i -> Map.of("email", "mallory@fabrikam.example", "name", "M\r\nBcc: all@contoso.example"));

        assertThatThrownBy(() -> service.run("reminder", MONDAY_0800)).hasMessageContaining("row 0: field 'email' is not a valid address, or its name has a line break");
        assertThat(batches).isEmpty();
    }

    @Test
    void givenATemplateFailureInARow_thenItIsNamedAndNothingIsEnqueued() {
        JobUseCases service = service(rowJob("reminder", "https://feed.example/boom", "Reminder"));
        rows("https://feed.example/boom", 3, i -> i == 2 ? Map.of("email", "a@fabrikam.example", "boom", true) : person(i));

        assertThatThrownBy(() -> service.run("reminder", MONDAY_0800)).hasMessageContaining("row 2: html template failed");
        assertThat(batches).isEmpty();
    }

    @Test
    void givenAMessageTheQueueCannotCarry_thenNothingIsEnqueued() {
        JobUseCases service = service(rowJob("reminder", "https://feed.example/large", "Reminder {name}"));
        rows("https://feed.example/large", 3, i -> i == 2 ? Map.of("email", "a@fabrikam.example", "name", "too-large") : person(i));

        assertThatThrownBy(() -> service.run("reminder", MONDAY_0800)).hasMessageContaining("row 2: the envelope is larger than a queue message");
        assertThat(batches).isEmpty();
    }

    @Test
    void givenAFailingSource_thenTheOccurrenceFailsVisiblyOtherJobsRunAndTheNextOccurrenceRuns() {
        JobUseCases service = service(rowJob("reminder", "https://feed.example/down", "Reminder {name}"),
                staticJob("digest", "0 0 8 * * *", PastDuePolicy.CATCH_UP, people(1), List.of()));
        rowSources.put("https://feed.example/down", new RecipientRowSource.SourceException("HTTP 500 from https://feed.example/down"));

        Report first = service.runDue(new Tick(MONDAY_0800.plusSeconds(1), MONDAY_0800.minusSeconds(59), false));

        assertThat(first.anyFailed()).isTrue();
        assertThat(first.occurrences()).extracting(o -> o.jobId() + ":" + o.outcome()).containsExactly("reminder:FAILED", "digest:ENQUEUED");
        assertThat(first.occurrences().get(0).detail()).contains("the data source failed, nothing was enqueued: HTTP 500");
        assertThat(sent).hasSize(1);

        rows("https://feed.example/down", 2, JobUseCasesTest::person);
        Instant tuesday = MONDAY_0800.plus(Duration.ofDays(1));
        Report next = service.runDue(new Tick(tuesday.plusSeconds(1), tuesday.minusSeconds(59), false));
        assertThat(next.anyFailed()).isFalse();
        assertThat(sent).hasSize(1 + 2 + 1);
    }

    @Test
    void givenPreview_thenTheFirstMessagesAreRenderedAndNothingIsEnqueued() {
        JobUseCases service = service(rowJob("reminder", "https://feed.example/rows", "Reminder for {name}"));
        rows("https://feed.example/rows", 50, JobUseCasesTest::person);

        var preview = service.preview("reminder", MONDAY_0800, 2);

        assertThat(preview.totalMessages()).isEqualTo(50);
        assertThat(preview.messages()).hasSize(2);
        assertThat(preview.messages().get(1).subject()).isEqualTo("Reminder for Person 1");
        assertThat(preview.messages().get(1).text()).isEqualTo("Hello Person 1");
        assertThat(preview.messages().get(1).to()).containsExactly("person1@fabrikam.example");
        assertThat(batches).isEmpty();
        assertThat(sent).isEmpty();
    }

    @Test
    void givenAnUnknownJob_thenRunAndPreviewSaySo() {
        JobUseCases service = service();
        assertThatThrownBy(() -> service.run("nope", MONDAY_0800)).isInstanceOf(JobRunException.class).hasMessageContaining("no job with id 'nope'");
    }

    /** The send ledger's contract, in memory. */
    static final class InMemoryLedger implements SendLedger {
        private final Map<String, LedgerEntry> entries = new ConcurrentHashMap<>();

        @Override
        public synchronized Start start(String key, String trackingId, Instant leaseUntil) {
            LedgerEntry existing = entries.get(key);
            if (existing != null) {
                return new Start(null, existing);
            }
            LedgerEntry entry = new LedgerEntry(key, LedgerEntry.State.ATTEMPTING, trackingId, 1, Instant.now(), null, null, leaseUntil);
            entries.put(key, entry);
            return new Start(entry, null);
        }

        @Override
        public synchronized LedgerEntry recordAttempt(LedgerEntry previous, Instant leaseUntil) {
            LedgerEntry entry = new LedgerEntry(previous.key(), LedgerEntry.State.ATTEMPTING, previous.trackingId(),
                    previous.sendAttempts() + 1, Instant.now(), null, null, leaseUntil);
            entries.put(previous.key(), entry);
            return entry;
        }

        @Override
        public synchronized LedgerEntry renewLease(LedgerEntry current, Instant leaseUntil) {
            LedgerEntry entry = new LedgerEntry(current.key(), LedgerEntry.State.ATTEMPTING, current.trackingId(),
                    current.sendAttempts(), Instant.now(), null, null, leaseUntil);
            entries.put(current.key(), entry);
            return entry;
        }

        @Override
        public void recordOutcome(LedgerEntry entry) {
            entries.put(entry.key(), entry);
        }
    }

    // ---- spreading an occurrence over the mailbox's budget (issue 13) ----

    /** Ten messages a minute, twenty recipients a day, no margin: a small occurrence passes them. */
    private static final MailboxBudgetPolicy SMALL_BUDGET = new MailboxBudgetPolicy(new MailboxLimits(4, 10, 20, 10_000), 3, 0, List.of(),
            SmtpMailboxes.NONE);
    private static final Instant SPREAD_NOW = MONDAY_0800.plusSeconds(30);

    private ManageJobsService spreadService(InMemoryMailboxBudget budget, JobDefinition job) {
        return new ManageJobsService(List.of(job), renderer, rows, location -> new byte[]{1}, queue, new SenderPolicy(List.of(SENDER)),
                MailLimits.DEFAULT, 100, budget, SMALL_BUDGET, Clock.fixed(SPREAD_NOW, ZoneOffset.UTC));
    }

    /** The mailbox has already sent one message to 5 recipients this minute: 15 recipients left today. */
    private static InMemoryMailboxBudget budgetWithFiveRecipientsUsed() {
        InMemoryMailboxBudget budget = new InMemoryMailboxBudget(Clock.fixed(SPREAD_NOW, ZoneOffset.UTC), Duration.ofMinutes(5));
        Mailbox sender = new Mailbox(SENDER);
        var admission = budget.admit(sender, SMALL_BUDGET.limitsFor(sender), new io.graphmailer.domain.budget.SendCost(5, 1));
        budget.release(((io.graphmailer.domain.budget.Admission.Granted) admission).permit(), true);
        return budget;
    }

    private List<Duration> delays() {
        return batches.stream().flatMap(List::stream).map(JobMailQueue.JobMail::delay).toList();
    }

    @Test
    void givenAFanOutBeyondTodaysRecipientBudget_thenTheRestIsEnqueuedInvisibleUntilTheWindowFreesAndSlicedByTheRate() {
        rows("https://feed.example/many", 25, JobUseCasesTest::person);
        ManageJobsService service = spreadService(budgetWithFiveRecipientsUsed(), rowJob("many", "https://feed.example/many", "Hi {name}"));

        ManageJobsUseCase.RunResult result = service.run("many", MONDAY_0800);

        assertThat(result.enqueued()).isEqualTo(25);
        List<Duration> delays = delays();
        // Today: 15 recipients left, at most 10 messages a minute (one already went this minute).
        assertThat(delays.subList(0, 9)).containsOnly(Duration.ZERO);
        assertThat(delays.subList(9, 15)).containsOnly(Duration.ofMinutes(1));
        // The other 10 wait for the 24-hour window (and the minute its counts are kept in), then go in one slice.
        Duration tomorrow = Duration.ofHours(24).plusMinutes(1);
        assertThat(delays.subList(15, 25)).containsOnly(tomorrow);
        assertThat(result.lastMessageAt()).isEqualTo(SPREAD_NOW.plus(tomorrow));
    }

    @Test
    void givenAFanOutBeyondTodaysRecipientBudget_thenThePreviewSaysWhenTheLastMessageGoesOut() {
        rows("https://feed.example/many", 25, JobUseCasesTest::person);
        ManageJobsService service = spreadService(budgetWithFiveRecipientsUsed(), rowJob("many", "https://feed.example/many", "Hi {name}"));

        ManageJobsUseCase.Preview preview = service.preview("many", MONDAY_0800, 5);

        assertThat(preview.messages()).hasSize(5);
        assertThat(preview.totalMessages()).isEqualTo(25);
        ManageJobsUseCase.Schedule schedule = preview.schedule();
        assertThat(schedule.recipients()).isEqualTo(25);
        assertThat(schedule.recipientsLeftToday()).isEqualTo(15);
        assertThat(schedule.recipientsPerDay()).isEqualTo(20);
        assertThat(schedule.messagesPerMinute()).isEqualTo(10);
        assertThat(schedule.days()).isEqualTo(1);
        assertThat(schedule.lastMessageAt()).isEqualTo(SPREAD_NOW.plus(Duration.ofHours(24).plusMinutes(1)));
        assertThat(batches).as("a preview enqueues nothing").isEmpty();
    }

    @Test
    void givenAFanOutWithinTheBudget_thenOnlyTheRateSlicesItAndNothingWaitsADay() {
        rows("https://feed.example/few", 12, JobUseCasesTest::person);
        ManageJobsService service = spreadService(new InMemoryMailboxBudget(Clock.fixed(SPREAD_NOW, ZoneOffset.UTC), Duration.ofMinutes(5)),
                rowJob("few", "https://feed.example/few", "Hi {name}"));

        service.run("few", MONDAY_0800);

        assertThat(delays().subList(0, 10)).containsOnly(Duration.ZERO);
        assertThat(delays().subList(10, 12)).containsOnly(Duration.ofMinutes(1));
        assertThat(sent).hasSize(12);
    }

    @Test
    void givenAFanOutOfMoreThanAWeeksBudget_thenNoDelayPassesTheQueuesSevenDayLimit() {
        rows("https://feed.example/huge", 200, JobUseCasesTest::person);
        ManageJobsService service = spreadService(new InMemoryMailboxBudget(Clock.fixed(SPREAD_NOW, ZoneOffset.UTC), Duration.ofMinutes(5)),
                rowJob("huge", "https://feed.example/huge", "Hi {name}"));

        service.run("huge", MONDAY_0800);

        assertThat(delays()).hasSize(200);
        assertThat(delays()).allSatisfy(d -> assertThat(d).isLessThanOrEqualTo(Duration.ofDays(7).minusMinutes(1)));
        assertThat(delays().get(199)).isEqualTo(Duration.ofDays(7).minusMinutes(1));
        // Day 6 (the last within the limit) starts 6 x (24 h + 1 min) after now.
        assertThat(delays().get(120)).isEqualTo(Duration.ofHours(24).plusMinutes(1).multipliedBy(6));
    }
}
