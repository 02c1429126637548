package io.graphmailer.adapter.in.dev;

import io.graphmailer.application.port.in.RunScheduledJobsUseCase;
import io.quarkus.runtime.LaunchMode;
import io.quarkus.scheduler.Scheduled;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Instance;
import org.jboss.logging.Logger;

import java.time.Instant;

/**
 * DEV PROFILE ONLY: the Quarkus scheduler plays the Functions host's timer, ticking every minute like
 * functions/NotificationJobs, so {@code ./mvnw quarkus:dev} shows job mail arriving in the local
 * outbox. The scheduler is disabled outside dev ({@code quarkus.scheduler.enabled}), and this method
 * also checks the launch mode.
 */
@ApplicationScoped
public class DevJobScheduler {
    private static final Logger LOG = Logger.getLogger(DevJobScheduler.class);

    private final Instance<RunScheduledJobsUseCase> jobs;
    private Instant lastTick;

    public DevJobScheduler(Instance<RunScheduledJobsUseCase> jobs) {
        this.jobs = jobs;
    }

    @Scheduled(cron = "0 * * * * ?", identity = "graph-mailer-dev-jobs", concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    synchronized void tick() {
        if (LaunchMode.current() != LaunchMode.DEVELOPMENT) {
            return;
        }
        Instant now = Instant.now();
        var report = jobs.get().runDue(new RunScheduledJobsUseCase.Tick(now, lastTick, false));
        lastTick = now;
        report.occurrences().forEach(o -> LOG.infof("dev timer: job %s @ %s: %s (%d message(s))%s", o.jobId(), o.occurrence(), o.outcome(),
                o.messages(), o.detail() == null ? "" : " - " + o.detail()));
    }
}
