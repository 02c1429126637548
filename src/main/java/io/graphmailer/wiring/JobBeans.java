package io.graphmailer.wiring;

import io.graphmailer.adapter.in.dev.DevDirectJobMailQueue;
import io.graphmailer.adapter.out.jobs.EnvelopeJobMailQueue;
import io.graphmailer.adapter.out.jobs.HttpsRowSource;
import io.graphmailer.adapter.out.jobs.LocationReader;
import io.graphmailer.adapter.out.jobs.QuteJobRenderer;
import io.graphmailer.application.ManageJobsService;
import io.graphmailer.application.RunScheduledJobsService;
import io.graphmailer.application.port.in.ManageJobsUseCase;
import io.graphmailer.application.port.in.RunScheduledJobsUseCase;
import io.graphmailer.application.port.in.SendMailUseCase;
import io.graphmailer.application.port.out.JobMailQueue;
import io.graphmailer.application.port.out.MailQueue;
import io.graphmailer.application.port.out.MailboxBudget;
import io.graphmailer.domain.budget.MailboxBudgetPolicy;
import io.graphmailer.config.GraphMailerConfig;
import io.graphmailer.domain.MailLimits;
import io.graphmailer.domain.SenderPolicy;
import io.graphmailer.domain.job.JobDefinition;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.event.Observes;
import jakarta.enterprise.inject.Instance;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;
import org.jboss.logging.Logger;

import java.time.Clock;
import java.util.List;

/** The scheduled jobs' use cases, and loading every job at start so a bad definition stops the start with its job and field. */
@Singleton
public class JobBeans {
    private static final Logger LOG = Logger.getLogger(JobBeans.class);

    @Produces
    @Singleton
    ManageJobsUseCase manageJobs(GraphMailerConfig config, LocationReader locations, QuteJobRenderer renderer, HttpsRowSource rows,
                                 JobMailQueue queue, SenderPolicy senderPolicy, MailLimits limits, MailboxBudget budget,
                                 MailboxBudgetPolicy budgetPolicy, io.graphmailer.application.DeliveryRecorder deliveries) {
        List<JobDefinition> definitions = JobDefinitions.load(config.jobs(), locations, renderer, senderPolicy);
        // In dev (direct) messages are sent at once, so there is nothing to spread them over.
        boolean spread = config.jobs().enqueue() == GraphMailerConfig.JobEnqueue.QUEUE;
        return new ManageJobsService(definitions, renderer, rows, locations, queue, senderPolicy, limits, config.jobs().batchSize(),
                spread ? budget : null, budgetPolicy, Clock.systemUTC(), deliveries);
    }

    @Produces
    @Singleton
    RunScheduledJobsUseCase runScheduledJobs(ManageJobsUseCase jobs, GraphMailerConfig config,
                                             io.graphmailer.application.RetentionPurge retention,
                                             io.graphmailer.application.BounceScan bounces,
                                             io.graphmailer.application.DelegatedKeepAlive keepAlive) {
        return new RunScheduledJobsService(jobs, new RunScheduledJobsService.Settings(config.jobs().pastDueAfter(), config.jobs().unknownLastRun()),
                retention, bounces, keepAlive);
    }

    /** The outbox queue; in dev ({@code enqueue=direct}) the send use case itself. */
    @Produces
    @Singleton
    JobMailQueue jobMailQueue(GraphMailerConfig config, MailQueue mailQueue, Instance<SendMailUseCase> sendMail) {
        // The queue connects on its first message, so dev (direct) only borrows the envelope's checks from it.
        JobMailQueue envelopes = new EnvelopeJobMailQueue(mailQueue);
        return config.jobs().enqueue() == GraphMailerConfig.JobEnqueue.DIRECT ? new DevDirectJobMailQueue(sendMail.get(), envelopes) : envelopes;
    }

    void onStart(@Observes StartupEvent event, GraphMailerConfig config, Instance<ManageJobsUseCase> manageJobs) {
        List<JobDefinition> jobs = manageJobs.get().jobs();
        if (!jobs.isEmpty()) {
            LOG.infof("scheduled jobs: %d loaded (%s), enqueue %s", jobs.size(),
                    String.join(", ", jobs.stream().map(JobDefinition::id).toList()), config.jobs().enqueue());
        }
    }
}
