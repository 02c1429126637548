package io.graphmailer.adapter.in.functions;

import com.fasterxml.jackson.annotation.JsonProperty;
import io.quarkus.runtime.annotations.RegisterForReflection;

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
}
