package io.graphmailer.adapter.in.functions;

import com.fasterxml.jackson.annotation.JsonProperty;
import io.quarkus.runtime.annotations.RegisterForReflection;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

import java.util.List;
import java.util.Map;

/** The custom handler's answer to the host: outputs by binding name, log lines, return value. */
@RegisterForReflection
public record FunctionsResponse(@JsonProperty("Outputs") Map<String, Object> outputs,
                                @JsonProperty("Logs") List<String> logs,
                                @JsonProperty("ReturnValue") Object returnValue) {
    public static FunctionsResponse logs(String... lines) {
        return new FunctionsResponse(Map.of(), List.of(lines), null);
    }

    /** The answer to the host: it reads the status (2xx: the invocation succeeded) and this body. */
    public Response withStatus(int status) {
        return Response.status(status).type(MediaType.APPLICATION_JSON).entity(this).build();
    }
}
