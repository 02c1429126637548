package io.graphmailer.adapter.in.functions;

import io.graphmailer.format.outbox.OutboxEnvelope;
import io.graphmailer.application.port.in.ProcessQueuedMailUseCase;
import io.graphmailer.domain.QueueOutcome;
import io.graphmailer.domain.QueuedMail;
import io.smallrye.common.annotation.Blocking;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import io.vertx.core.http.HttpServerRequest;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.Response;
import org.jboss.logging.Logger;

import java.io.IOException;

/**
 * The queue-triggered function {@value #NAME}: the host posts each outbox message here. A 2xx answer
 * deletes the message; anything else makes the host retry it and, after maxDequeueCount, move it to
 * the poison queue. So: answer 200 once the message is sent or kept somewhere (dead-letter, poison,
 * re-enqueued), and non-2xx only when it could not be kept (storage unavailable).
 */
@Path("/" + OutboxQueueFunction.NAME)
public class OutboxQueueFunction {
    public static final String NAME = "OutboxQueue";
    /** The queueTrigger binding's name in functions/OutboxQueue/function.json. */
    public static final String BINDING = "message";
    private static final Logger LOG = Logger.getLogger(OutboxQueueFunction.class);

    private final ProcessQueuedMailUseCase useCase;
    private final OutboxEnvelope envelopes;

    public OutboxQueueFunction(ProcessQueuedMailUseCase useCase, OutboxEnvelope envelopes) {
        this.useCase = useCase;
        this.envelopes = envelopes;
    }

    @POST
    @Blocking
    public Response invoke(byte[] body, @Context HttpServerRequest request) {
        // Only the local Functions host invokes functions; this path has no caller token of its own.
        if (!HostOnly.isLocal(request)) {
            return HostOnly.refusal();
        }
        FunctionsInvocation invocation;
        try {
            invocation = FunctionsInvocation.parse(body);
        } catch (IOException e) {
            // Not the host's format: nothing to keep or retry meaningfully, but say so loudly.
            return FunctionsResponse.logs("invocation body is not the Functions host's JSON").withStatus(400);
        }
        String text = invocation.dataText(BINDING);
        String messageId = invocation.metadataText("Id");
        QueueOutcome outcome;
        try {
            QueuedMail mail;
            try {
                mail = envelopes.read(text);
            } catch (OutboxEnvelope.Rejected rejected) {
                outcome = useCase.reject(text == null ? "" : text, rejected.code(), rejected.getMessage());
                return ok(messageId, invocation.dequeueCount(), outcome);
            }
            outcome = useCase.process(mail, invocation.insertionTime());
        } catch (RuntimeException e) {
            // Could not send nor keep the message (ledger or queue unavailable): let the host retry it.
            LOG.errorf("queue message %s (dequeue %d) left for the host to retry: %s", messageId, invocation.dequeueCount(), e.toString());
            return FunctionsResponse.logs("not processed, the host will retry: " + e.getClass().getSimpleName()).withStatus(503);
        }
        return ok(messageId, invocation.dequeueCount(), outcome);
    }

    private static Response ok(String messageId, int dequeueCount, QueueOutcome outcome) {
        String line = "message " + messageId + " (dequeue " + dequeueCount + "): " + outcome.kind()
                + (outcome.detail() == null ? "" : " - " + outcome.detail());
        LOG.info(line);
        return FunctionsResponse.logs(line).withStatus(200);
    }
}
