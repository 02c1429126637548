package io.graphmailer.wiring;

import io.graphmailer.adapter.out.graph.GraphMailSender;
import io.graphmailer.adapter.out.graph.GraphSentMessageLookup;
import io.graphmailer.adapter.out.identity.MsalAccessTokenProvider;
import io.graphmailer.adapter.out.routing.RoutingMailTransport;
import io.graphmailer.application.port.out.MailTransport;
import io.graphmailer.application.port.out.SentMessageLookup;
import io.graphmailer.config.GraphMailerConfig;
import jakarta.enterprise.inject.Instance;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;

/**
 * TEMPORARY (h3 branch only): today's ApplicationBeans.sentMessageLookup logic, unchanged, as a bean so that
 * UseCaseBeans.processQueuedMail can inject a {@link SentMessageLookup}. h1 produces that bean in wiring/GraphBeans;
 * delete this file when merging.
 */
@Singleton
public class TemporarySentMessageLookupBeans {

    /** Only Graph-sent messages can be looked up; SMTP mailboxes (their Sent Items copy is optional) and the outbox fall back. */
    @Produces
    @Singleton
    SentMessageLookup sentMessageLookup(GraphMailerConfig config, MailTransport transport, Instance<MsalAccessTokenProvider> tokens) {
        if (config.transport() != GraphMailerConfig.TransportKind.GRAPH
                || config.queue().unknownOutcomePolicy() != GraphMailerConfig.UnknownOutcome.VERIFY) {
            return SentMessageLookup.NONE;
        }
        GraphMailerConfig.Graph g = config.graph();
        GraphSentMessageLookup graph = new GraphSentMessageLookup(GraphMailSender.httpClient(g.timeout(), g.maxThrottleRetries(),
                g.maxThrottleWait(), g.retryBudget()), g.baseUrl(), tokens.get());
        if (!(transport instanceof RoutingMailTransport routing)) {
            return graph;
        }
        return (command, trackingId) -> routing.transportFor(command.mailbox()) instanceof GraphMailSender
                ? graph.find(command, trackingId)
                : new SentMessageLookup.Result(SentMessageLookup.Found.CANNOT_LOOK, "sent by SMTP, whose Sent Items copy is optional"
                        + " and written after the send");
    }
}
