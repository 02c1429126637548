package io.graphmailer.wiring;

import io.graphmailer.config.GraphMailerConfig;

import com.azure.core.credential.TokenRequestContext;
import com.azure.identity.DefaultAzureCredentialBuilder;
import io.graphmailer.format.jobs.JobDefinitionReader;
import io.graphmailer.adapter.in.dev.DevDirectJobMailQueue;
import io.graphmailer.adapter.out.jobs.HttpsRowSource;
import io.graphmailer.adapter.out.jobs.LocationReader;
import io.graphmailer.adapter.out.jobs.QuteJobRenderer;
import io.graphmailer.adapter.out.jobs.EnvelopeJobMailQueue;
import io.graphmailer.application.ScheduledJobService;
import io.graphmailer.application.port.in.ManageJobsUseCase;
import io.graphmailer.application.port.in.RunScheduledJobsUseCase;
import io.graphmailer.application.port.in.SendMailUseCase;
import io.graphmailer.application.port.out.JobMailQueue;
import io.graphmailer.application.port.out.JobMessageRenderer;
import io.graphmailer.application.port.out.MailQueue;
import io.graphmailer.application.port.out.RecipientRowSource;
import io.graphmailer.domain.MailLimits;
import io.graphmailer.domain.SenderNotAllowedException;
import io.graphmailer.domain.SenderPolicy;
import io.graphmailer.domain.job.JobDefinition;
import io.graphmailer.domain.job.JobDefinitionException;
import io.quarkus.runtime.LaunchMode;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.enterprise.inject.Instance;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;
import org.jboss.logging.Logger;

import java.net.http.HttpClient;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/** Scheduled jobs' collaborators, and the start-up check that every job definition can run. */
@ApplicationScoped
public class JobBeans {
    private static final Logger LOG = Logger.getLogger(JobBeans.class);

    /** Also the bean for {@link RunScheduledJobsUseCase} and {@link ManageJobsUseCase}, which it implements. */
    @Produces
    @Singleton
    ScheduledJobService scheduledJobService(GraphMailerConfig config, SenderPolicy senderPolicy, MailLimits limits,
                                            Instance<MailQueue> mailQueue, Instance<SendMailUseCase> sendMail) {
        GraphMailerConfig.Jobs jobs = config.jobs();
        HttpClient http = HttpsRowSource.defaultClient();
        LocationReader locations = new LocationReader(http, Duration.ofSeconds(30), limits.maxInlineAttachmentBytes());
        QuteJobRenderer renderer = new QuteJobRenderer();
        List<JobDefinition> definitions = load(jobs, locations, renderer, senderPolicy);
        RecipientRowSource rows = new HttpsRowSource(http, JobBeans::managedIdentityToken, jobs.maxRows());
        JobMailQueue queue = jobs.enqueue() == GraphMailerConfig.JobEnqueue.DIRECT
                ? new DevDirectJobMailQueue(sendMail.get(), new EnvelopeJobMailQueue(null))
                : new LazyQueue(mailQueue);
        return new ScheduledJobService(definitions, renderer, rows, locations, queue, senderPolicy, limits,
                new ScheduledJobService.Settings(jobs.batchSize(), jobs.pastDueAfter(), jobs.unknownLastRun()));
    }

    /** Reads, checks and compiles every job; one exception lists every problem, each naming job and field. */
    static List<JobDefinition> load(GraphMailerConfig.Jobs jobs, LocationReader locations, JobMessageRenderer renderer, SenderPolicy senders) {
        JobDefinitionReader reader = new JobDefinitionReader();
        List<JobDefinition> definitions;
        if (jobs.json().isPresent()) {
            definitions = reader.read(jobs.json().get(), "GRAPH_MAILER_JOBS_JSON");
        } else if (jobs.location().isPresent()) {
            String location = jobs.location().get();
            // A blob (or another https location) may need the managed identity: GRAPH_MAILER_JOBS_LOCATION_SCOPE.
            definitions = reader.read(locations.readText(location, jobs.locationScope().orElse(null), JobBeans::managedIdentityToken), location);
        } else {
            return List.of();
        }
        List<String> problems = new ArrayList<>();
        for (JobDefinition job : definitions) {
            try {
                senders.requireAllowed(job.mailbox());
            } catch (SenderNotAllowedException e) {
                problems.add("job '" + job.id() + "': mailbox " + job.mailbox() + " is not on GRAPH_MAILER_ALLOWED_SENDERS");
            }
            try {
                renderer.prepare(job);
            } catch (JobDefinitionException e) {
                problems.add(e.getMessage());
            }
        }
        if (!problems.isEmpty()) {
            throw new JobDefinitionReader.InvalidJobsException(jobs.json().isPresent() ? "GRAPH_MAILER_JOBS_JSON" : jobs.location().get(), problems);
        }
        return definitions;
    }

    private static volatile com.azure.core.credential.TokenCredential credential;

    /** A managed-identity token for a data source's scope (azure-identity caches it until near expiry); never logged. */
    private static String managedIdentityToken(String scope) {
        if (credential == null) {
            synchronized (JobBeans.class) {
                if (credential == null) {
                    credential = new DefaultAzureCredentialBuilder().build();
                }
            }
        }
        return credential.getTokenSync(new TokenRequestContext().addScopes(scope)).getToken();
    }

    /** Checks the settings and loads every job at start, so a bad definition stops the start with its job and field. */
    void onStart(@Observes StartupEvent event, GraphMailerConfig config, Instance<ScheduledJobService> service) {
        GraphMailerConfig.Jobs jobs = config.jobs();
        List<String> problems = new ArrayList<>();
        LaunchMode mode = LaunchMode.current();
        if (jobs.enqueue() == GraphMailerConfig.JobEnqueue.DIRECT && mode != LaunchMode.DEVELOPMENT && mode != LaunchMode.TEST) {
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
        if (!problems.isEmpty()) {
            throw new IllegalStateException("graph-mailer cannot start; fix these settings:\n  - " + String.join("\n  - ", problems));
        }
        int count = service.get().jobs().size();
        if (count > 0) {
            LOG.infof("scheduled jobs: %d loaded (%s), enqueue %s", count,
                    String.join(", ", service.get().jobs().stream().map(JobDefinition::id).toList()), jobs.enqueue());
        }
    }

    /** The outbox queue, built on first use (the storage clients are only needed once a job runs). */
    private static final class LazyQueue implements JobMailQueue {
        private final Instance<MailQueue> queue;
        private final EnvelopeJobMailQueue rules = new EnvelopeJobMailQueue(null);

        LazyQueue(Instance<MailQueue> queue) {
            this.queue = queue;
        }

        @Override
        public void check(JobMail mail) {
            rules.check(mail);
        }

        @Override
        public void enqueue(List<JobMail> batch) {
            new EnvelopeJobMailQueue(queue.get()).enqueue(batch);
        }
    }
}
