package io.graphmailer.adapter.in.http;

import io.graphmailer.adapter.in.graphapi.MimeRequestParser;
import io.graphmailer.adapter.in.graphapi.SendMailRequestParser;
import io.graphmailer.application.port.in.SendMailUseCase;
import io.graphmailer.domain.InvalidMailException;
import io.graphmailer.domain.Mailbox;
import io.graphmailer.domain.SendMailCommand;
import io.graphmailer.domain.SendReceipt;
import io.quarkus.runtime.annotations.RegisterForReflection;
import io.smallrye.common.annotation.Blocking;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.NotSupportedException;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

import java.util.Locale;

/**
 * Graph's {@code POST /users/{mailbox}/sendMail}, under {@code /api}: point a Graph SDK's base URL
 * here and it works unchanged. A thin adapter: check the sender, parse into one command, call the use case.
 */
@Path("/api/users/{mailbox}/sendMail")
public class SendMailResource {
    static final String CLIENT_REQUEST_ID = "client-request-id";

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

    @POST
    @Blocking
    public Response send(@PathParam("mailbox") String mailboxId,
                         @HeaderParam("Content-Type") String contentType,
                         @HeaderParam(CLIENT_REQUEST_ID) String clientRequestId,
                         byte[] body) {
        Mailbox mailbox = mailbox(mailboxId);
        sendMail.requireAllowedSender(mailbox);
        SendMailCommand command = switch (kind(contentType)) {
            case "json" -> jsonParser.parse(mailbox, body);
            case "mime" -> mimeParser.parse(mailbox, body);
            default -> throw new NotSupportedException();
        };
        SendReceipt receipt = sendMail.send(command, clientRequestId);
        return Response.accepted(new Accepted(receipt.trackingId(), "accepted"))
                .type(MediaType.APPLICATION_JSON)
                .header(CLIENT_REQUEST_ID, receipt.trackingId())
                .header("request-id", receipt.trackingId())
                .build();
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
