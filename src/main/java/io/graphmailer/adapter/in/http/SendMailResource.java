package io.graphmailer.adapter.in.http;

import io.graphmailer.format.graph.MimeRequestParser;
import io.graphmailer.format.graph.SendMailRequestParser;
import io.graphmailer.application.port.in.SendMailUseCase;
import io.graphmailer.domain.InvalidMailException;
import io.graphmailer.domain.Mailbox;
import io.graphmailer.domain.SendMailCommand;
import io.graphmailer.domain.SendReceipt;
import io.quarkus.runtime.annotations.RegisterForReflection;
import io.smallrye.common.annotation.Blocking;
import jakarta.ws.rs.BeanParam;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.NotSupportedException;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import io.graphmailer.domain.delivery.Origin;
import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import org.jboss.logging.Logger;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Locale;
import java.util.UUID;

/**
 * Graph's {@code POST /users/{mailbox}/sendMail}, under {@code /api} and, as Graph SDKs build it, under
 * {@code /api/v1.0} and {@code /api/beta}: point a Graph SDK's base URL here and it works unchanged.
 * A thin adapter: check the sender, parse into one command, call the use case.
 */
@Path("/api")
public class SendMailResource {
    private static final Logger LOG = Logger.getLogger(SendMailResource.class);

    private final SendMailUseCase sendMail;
    private final SendMailRequestParser jsonParser;
    private final MimeRequestParser mimeParser;

    public SendMailResource(SendMailUseCase sendMail, SendMailRequestParser jsonParser, MimeRequestParser mimeParser) {
        this.sendMail = sendMail;
        this.jsonParser = jsonParser;
        this.mimeParser = mimeParser;
    }

    @RegisterForReflection
    public record Accepted(String trackingId, String status) {
    }

    /** What both routes read besides the body. */
    public static final class Target {
        @PathParam("mailbox")
        String mailbox;
        @HeaderParam("Content-Type")
        String contentType;
        @HeaderParam(RequestIds.CLIENT_REQUEST_ID)
        String clientRequestId;
        @HeaderParam("Prefer")
        String prefer;
    }

    static final String RESPOND_ASYNC = "respond-async";

    @POST
    @Path("users/{mailbox}/sendMail")
    @Blocking
    public Response send(@BeanParam Target target, @Context ContainerRequestContext request, byte[] body) {
        String callerApp = Caller.of(request).appId();
        Mailbox mailbox = mailbox(target.mailbox);
        sendMail.requireAllowedSender(mailbox);
        String kind = kind(target.contentType);
        SendMailCommand command = switch (kind) {
            case "json" -> jsonParser.parse(mailbox, body);
            case "mime" -> mimeParser.parse(mailbox, body);
            default -> throw new NotSupportedException();
        };
        if (prefersAsync(target.prefer) && sendMail.queues() && "json".equals(kind)) {
            // RFC 7240: honoured only where an outbox queue exists, for Graph JSON (the outbox envelope's form); otherwise
            // the message is sent now and the answer has no Preference-Applied.
            String key = asyncKey(mailbox, target.clientRequestId, body);
            SendReceipt queued = sendMail.enqueue(command, key, Origin.http(callerApp, key));
            String echoed = RequestIds.echo(target.clientRequestId, queued.trackingId());
            LOG.infof("http: message %s queued (Prefer: respond-async) for caller client-request-id %s", queued.trackingId(), echoed);
            return Response.accepted(new Accepted(queued.trackingId(), "queued"))
                    .type(MediaType.APPLICATION_JSON)
                    .header("Preference-Applied", RESPOND_ASYNC)
                    .header("Vary", "Prefer")
                    .header(RequestIds.REQUEST_ID, queued.trackingId())
                    .header(RequestIds.CLIENT_REQUEST_ID, echoed)
                    .build();
        }
        // A new tracking id per message: an SDK client sends one client-request-id for all its requests.
        SendReceipt receipt = sendMail.send(command, null, Origin.http(callerApp, null));
        String echoed = RequestIds.echo(target.clientRequestId, receipt.trackingId());
        if (target.clientRequestId != null) {
            LOG.infof("http: message %s accepted for caller client-request-id %s", receipt.trackingId(), echoed);
        }
        return Response.accepted(new Accepted(receipt.trackingId(), "accepted"))
                .type(MediaType.APPLICATION_JSON)
                .header(RequestIds.REQUEST_ID, receipt.trackingId())
                .header(RequestIds.CLIENT_REQUEST_ID, echoed)
                .build();
    }

    /** The same call under Graph's version segments, which Graph SDKs put in front of every path. */
    @POST
    @Path("{version: v1\\.0|beta}/users/{mailbox}/sendMail")
    @Blocking
    public Response sendVersioned(@BeanParam Target target, @Context ContainerRequestContext request, byte[] body) {
        return send(target, request, body);
    }

    /** True when a {@code Prefer} header names {@code respond-async} (tokens are case-insensitive; parameters ignored). */
    static boolean prefersAsync(String prefer) {
        if (prefer == null) {
            return false;
        }
        for (String preference : prefer.split(",")) {
            String token = preference.split(";", 2)[0].split("=", 2)[0].trim();
            if (token.equalsIgnoreCase(RESPOND_ASYNC)) {
                return true;
            }
        }
        return false;
    }

    /**
     * The queued message's idempotency key: the caller's client-request-id with a digest of the body, so a retried
     * request is queued (and sent) once while different messages under one shared client-request-id stay apart; a new
     * key without a client-request-id.
     */
    static String asyncKey(Mailbox mailbox, String clientRequestId, byte[] body) {
        String echoed = RequestIds.echo(clientRequestId, null);
        if (echoed == null) {
            return "http-async:" + UUID.randomUUID();
        }
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(body);
            return "http-async:" + mailbox.key() + ":" + echoed + ":" + HexFormat.of().formatHex(digest, 0, 16);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is part of every JDK", e);
        }
    }

    private static Mailbox mailbox(String id) {
        try {
            return new Mailbox(id);
        } catch (InvalidMailException e) {
            throw new InvalidMailException("mailbox", "'" + id.replaceAll("\\p{Cntrl}", "?") + "' is not a mailbox address (UPN) or user object id");
        }
    }

    private static String kind(String contentType) {
        if (contentType == null) {
            return "none";
        }
        String type = contentType.split(";", 2)[0].trim().toLowerCase(Locale.ROOT);
        return switch (type) {
            case "application/json" -> "json";
            case "text/plain" -> "mime";
            default -> "none";
        };
    }
}
