package io.graphmailer.wiring;

import io.graphmailer.adapter.out.jobs.EnvelopeJobMailQueue;
import io.graphmailer.application.AttachmentResolver;
import io.graphmailer.application.MailboxBudgetsService;
import io.graphmailer.application.PerMailboxLimiter;
import io.graphmailer.application.QueuedSendService;
import io.graphmailer.application.SendMailService;
import io.graphmailer.application.port.in.MailboxBudgetsUseCase;
import io.graphmailer.application.port.in.ProcessQueuedMailUseCase;
import io.graphmailer.application.port.in.SendMailUseCase;
import io.graphmailer.application.port.out.AttachmentContentSource;
import io.graphmailer.application.port.out.EnvelopeWriter;
import io.graphmailer.application.port.out.MailQueue;
import io.graphmailer.application.port.out.MailTransport;
import io.graphmailer.application.port.out.MailboxBudget;
import io.graphmailer.application.port.out.SendLedger;
import io.graphmailer.application.port.out.SentMessageLookup;
import io.graphmailer.config.GraphMailerConfig;
import io.graphmailer.domain.BlobAllowlist;
import io.graphmailer.domain.MailLimits;
import io.graphmailer.domain.SenderPolicy;
import io.graphmailer.domain.SmtpMailboxes;
import io.graphmailer.domain.budget.MailboxBudgetPolicy;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;

import java.time.Clock;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** The send use cases and the domain rules they apply, built from the settings (application classes carry no CDI). */
@Singleton
public class UseCaseBeans {

    @Produces
    @Singleton
    MailLimits mailLimits(GraphMailerConfig config) {
        GraphMailerConfig.Attachments a = config.attachments();
        return new MailLimits(config.limits().maxRecipients(), MailLimits.DEFAULT.maxInlineAttachmentBytes(), a.maxAttachmentBytes(),
                a.maxMessageBytes(), a.maxCount());
    }

    @Produces
    @Singleton
    BlobAllowlist blobAllowlist(GraphMailerConfig config) {
        return new BlobAllowlist(config.attachments().allowedBlobPrefixes().orElse(List.of()));
    }

    @Produces
    @Singleton
    SenderPolicy senderPolicy(GraphMailerConfig config) {
        return new SenderPolicy(config.allowedSenders(), sendAs(config.sendAs().orElse(List.of())));
    }

    /** {@code mailbox:other} pairs (':' cannot occur in an address), grouped by mailbox. */
    static Map<String, List<String>> sendAs(List<String> pairs) {
        Map<String, List<String>> out = new LinkedHashMap<>();
        for (String pair : pairs) {
            int colon = pair.indexOf(':');
            if (colon < 0) {
                throw new IllegalArgumentException("GRAPH_MAILER_SEND_AS: '" + pair.trim() + "' is not a mailbox:other pair");
            }
            out.computeIfAbsent(pair.substring(0, colon).trim(), k -> new ArrayList<>()).add(pair.substring(colon + 1).trim());
        }
        return out;
    }

    @Produces
    @Singleton
    AttachmentResolver attachmentResolver(AttachmentContentSource source, MailLimits limits) {
        return new AttachmentResolver(source, limits);
    }

    /** One limiter for HTTP and queue sends alike: Graph counts both against the mailbox. */
    @Produces
    @Singleton
    PerMailboxLimiter perMailboxLimiter(GraphMailerConfig config) {
        return new PerMailboxLimiter(config.queue().maxInFlightPerMailbox());
    }

    @Produces
    @Singleton
    SendMailUseCase sendMailUseCase(GraphMailerConfig config, SenderPolicy senderPolicy, MailTransport transport, PerMailboxLimiter limiter,
                                    AttachmentResolver attachments, MailboxBudget budget, MailboxBudgetPolicy budgetPolicy,
                                    MailQueue mailQueue, io.graphmailer.application.DeliveryRecorder deliveries) {
        GraphMailerConfig.Budget b = config.budget();
        SendMailService.HttpBudget http = new SendMailService.HttpBudget(b.httpWait(),
                b.unavailableHttp() == GraphMailerConfig.BudgetUnavailableHttp.LOCAL, Clock.systemUTC(), b.slotLease());
        // Prefer: respond-async uses the outbox queue where jobs do; in dev (jobs enqueue=direct) there is none.
        boolean queue = config.jobs().enqueue() == GraphMailerConfig.JobEnqueue.QUEUE;
        return new SendMailService(senderPolicy, transport, limiter, attachments, budget, budgetPolicy, http,
                queue ? new EnvelopeJobMailQueue(mailQueue) : null, deliveries);
    }

    @Produces
    @Singleton
    MailboxBudgetsUseCase mailboxBudgets(SenderPolicy senderPolicy, MailboxBudget budget, MailboxBudgetPolicy budgetPolicy,
                                         SmtpMailboxes smtpMailboxes) {
        return new MailboxBudgetsService(senderPolicy, budget, budgetPolicy, smtpMailboxes);
    }

    @Produces
    @Singleton
    ProcessQueuedMailUseCase processQueuedMail(GraphMailerConfig config, SenderPolicy senderPolicy, MailTransport transport,
                                               SendLedger ledger, MailQueue queue, PerMailboxLimiter limiter,
                                               AttachmentResolver attachments, SentMessageLookup lookup,
                                               EnvelopeWriter envelopes, MailboxBudget budget, MailboxBudgetPolicy budgetPolicy,
                                               io.graphmailer.application.DeliveryRecorder deliveries,
                                               io.graphmailer.application.port.out.Telemetry telemetry) {
        GraphMailerConfig.Queue q = config.queue();
        return new io.graphmailer.application.MeasuredQueuedMail(new QueuedSendService(senderPolicy, transport, ledger, queue, envelopes, limiter,
                new QueuedSendService.Settings(policy(q.unknownOutcomePolicy()), q.maxAttempts(), q.backoffBase(), q.backoffMax(),
                        q.lease(), q.unknownOutcomeSettle(), policy(q.unknownOutcomeFallback()))
                        .withSignInWait(config.delegated().signInWait(), config.delegated().signInRecheck()),
                Clock.systemUTC(), attachments, lookup, budget, budgetPolicy, deliveries), telemetry);
    }

    /** The setting's values are the use case's policies, by name. */
    static QueuedSendService.UnknownOutcomePolicy policy(GraphMailerConfig.UnknownOutcome setting) {
        return QueuedSendService.UnknownOutcomePolicy.valueOf(setting.name());
    }
}
