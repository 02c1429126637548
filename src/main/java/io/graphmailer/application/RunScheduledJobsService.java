package io.graphmailer.application;

import io.graphmailer.application.port.in.ManageJobsUseCase;
import io.graphmailer.application.port.in.RunScheduledJobsUseCase;
import io.graphmailer.domain.job.DueOccurrences;
import io.graphmailer.domain.job.JobDefinition;
import io.graphmailer.domain.job.TimerWindow;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.logging.Logger;

/**
 * The timer: every enabled job's occurrences that fell due since the last tick are enqueued ({@link TimerWindow} decides
 * which). One occurrence's failure is reported and contained: the other jobs run, and the next occurrence runs as usual.
 */
public class RunScheduledJobsService implements RunScheduledJobsUseCase {
    private static final Logger LOG = Logger.getLogger(RunScheduledJobsService.class.getName());

    /**
     * @param pastDueAfter   an occurrence older than this when its tick runs counts as missed (past-due policy applies)
     * @param unknownLastRun how far back a tick looks when the host does not say when it last ran
     */
    public record Settings(Duration pastDueAfter, Duration unknownLastRun) {
    }

    private final ManageJobsUseCase jobs;
    private final Settings settings;
    private final RetentionPurge retention;
    private final BounceScan bounces;
    private final DelegatedKeepAlive keepAlive;

    /** @param jobs the jobs, and the run of one occurrence the timer shares with "run now" */
    public RunScheduledJobsService(ManageJobsUseCase jobs, Settings settings) {
        this(jobs, settings, null);
    }

    /** @param retention the delivery log's purge, run after the due occurrences (null: none) */
    public RunScheduledJobsService(ManageJobsUseCase jobs, Settings settings, RetentionPurge retention) {
        this(jobs, settings, retention, null);
    }

    /** @param bounces the Inbox scan for non-delivery reports, run after the purge (null: none) */
    public RunScheduledJobsService(ManageJobsUseCase jobs, Settings settings, RetentionPurge retention, BounceScan bounces) {
        this(jobs, settings, retention, bounces, null);
    }

    /** @param keepAlive the delegated mailboxes' token keep-alive, run last (null: none) */
    public RunScheduledJobsService(ManageJobsUseCase jobs, Settings settings, RetentionPurge retention, BounceScan bounces,
                                   DelegatedKeepAlive keepAlive) {
        this.keepAlive = keepAlive;
        this.bounces = bounces;
        this.jobs = jobs;
        this.settings = settings;
        this.retention = retention;
    }

    @Override
    public Report runDue(Tick tick) {
        TimerWindow window = TimerWindow.of(tick.now(), tick.lastRun(), settings.pastDueAfter(), settings.unknownLastRun());
        List<OccurrenceOutcome> outcomes = new ArrayList<>();
        for (JobDefinition job : jobs.jobs()) {
            if (!job.enabled()) {
                continue;
            }
            DueOccurrences due = window.due(job);
            due.catchUp().ifPresent(missed -> outcomes.add(run(job, missed, Outcome.CAUGHT_UP)));
            due.skipped().ifPresent(skipped -> {
                LOG.warning(() -> "job " + job.id() + ": missed occurrence " + skipped.occurrence() + " (and any before it) not run: "
                        + skipped.reason());
                outcomes.add(new OccurrenceOutcome(job.id(), skipped.occurrence(), Outcome.SKIPPED_PAST_DUE, 0, skipped.reason()));
            });
            for (Instant at : due.onTime()) {
                outcomes.add(run(job, at, Outcome.ENQUEUED));
            }
        }
        if (retention != null) {
            retention.purgeIfDue(tick.now()); // never throws: a failed purge never fails the tick
        }
        if (bounces != null) {
            bounces.scan(tick.now()); // never throws either
        }
        if (keepAlive != null) {
            keepAlive.keepAliveIfDue(tick.now()); // never throws: a failed refresh is logged with its mailbox and command
        }
        return new Report(window.from(), window.to(), outcomes);
    }

    private OccurrenceOutcome run(JobDefinition job, Instant at, Outcome success) {
        try {
            ManageJobsUseCase.RunResult result = jobs.run(job.id(), at);
            return new OccurrenceOutcome(job.id(), result.occurrence(), success, result.enqueued(), null);
        } catch (JobRunException e) {
            LOG.severe(() -> e.getMessage());
            return new OccurrenceOutcome(job.id(), at, Outcome.FAILED, 0, e.getMessage());
        } catch (RuntimeException e) {
            String detail = "job '" + job.id() + "', occurrence " + at + ": failed unexpectedly: " + e.getClass().getSimpleName();
            LOG.severe(() -> detail + ": " + e.getMessage());
            return new OccurrenceOutcome(job.id(), at, Outcome.FAILED, 0, detail);
        }
    }
}
