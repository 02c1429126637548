package io.graphmailer.adapter.in.functions;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import jakarta.ws.rs.Path;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/** functions/ is what the Functions host reads: it must parse, use documented fields, and match our handler. */
class FunctionAppContractTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String DEAD_LETTER = "DeadLetter";
    private static final java.nio.file.Path FUNCTIONS = java.nio.file.Path.of("functions");
    private static final Map<String, Set<String>> REQUIRED_FIELDS = Map.of(
            "httpTrigger", Set.of("name", "direction", "authLevel", "methods", "route"),
            "http", Set.of("name", "direction"),
            "queueTrigger", Set.of("name", "direction", "queueName", "connection"),
            "timerTrigger", Set.of("name", "direction", "schedule"));

    private static JsonNode read(java.nio.file.Path file) throws IOException {
        return JSON.readTree(Files.readString(file));
    }

    private static List<java.nio.file.Path> functionFolders() throws IOException {
        try (Stream<java.nio.file.Path> list = Files.list(FUNCTIONS)) {
            return list.filter(Files::isDirectory).sorted().toList();
        }
    }

    /** Every JAX-RS path our app serves (class path, and class + method path), from the compiled classes. */
    private static Set<String> servedPaths() {
        Set<String> paths = new java.util.HashSet<>();
        new ClassFileImporter().withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
                .importPackages("io.graphmailer").stream()
                .filter(c -> c.isAnnotatedWith(Path.class))
                .forEach((JavaClass c) -> {
                    String base = c.getAnnotationOfType(Path.class).value();
                    paths.add(base);
                    c.getMethods().stream().filter(m -> m.isAnnotatedWith(Path.class))
                            .forEach(m -> paths.add(base + "/" + m.getAnnotationOfType(Path.class).value()));
                });
        return paths;
    }

    /** Whether a forwarded request path (host route with its parameters filled in) hits one of our JAX-RS templates. */
    private static boolean served(Set<String> templates, String requestPath) {
        return templates.stream().anyMatch(t -> java.util.regex.Pattern.matches(templateRegex(t), requestPath));
    }

    private static String templateRegex(String template) {
        StringBuilder regex = new StringBuilder();
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("\\{\\s*\\w+\\s*(?::\\s*([^}]+))?}").matcher(template);
        int last = 0;
        while (m.find()) {
            regex.append(java.util.regex.Pattern.quote(template.substring(last, m.start())));
            regex.append(m.group(1) == null ? "[^/]+" : "(?:" + m.group(1).trim() + ")");
            last = m.end();
        }
        return regex.append(java.util.regex.Pattern.quote(template.substring(last))).toString().replace("//", "/");
    }

    @Test
    void givenHostJson_thenItRunsOurExecutableAsACustomHandlerWithExplicitQueueSettings() throws IOException {
        JsonNode host = read(FUNCTIONS.resolve("host.json"));
        assertThat(host.path("version").asText()).isEqualTo("2.0");
        assertThat(host.path("customHandler").path("description").path("defaultExecutablePath").asText()).isEqualTo("graph-mailer");
        // The host reads both flags and proxying wins when both are set; the legacy forwarding flag is not kept.
        assertThat(host.path("customHandler").path("enableProxyingHttpRequest").asBoolean()).isTrue();
        assertThat(host.path("customHandler").has("enableForwardingHttpRequest")).isFalse();
        assertThat(host.path("extensionBundle").path("id").asText()).isEqualTo("Microsoft.Azure.Functions.ExtensionBundle");
        assertThat(host.path("extensions").path("http").path("routePrefix").asText()).isEqualTo("api");
        JsonNode queues = host.path("extensions").path("queues");
        assertThat(queues.fieldNames()).toIterable()
                .contains("batchSize", "newBatchThreshold", "visibilityTimeout", "maxDequeueCount", "messageEncoding");
        assertThat(queues.path("messageEncoding").asText()).isEqualTo("base64");
        // Messages in flight per instance = batchSize + newBatchThreshold; Graph allows about 4 per app and mailbox.
        assertThat(queues.path("batchSize").asInt() + queues.path("newBatchThreshold").asInt()).isLessThanOrEqualTo(4);
        assertThat(queues.path("maxDequeueCount").asInt()).isBetween(1, 10);
    }

    @Test
    void givenEveryFunctionJson_thenBindingsAreDocumentedTypesWithTheirRequiredFields() throws IOException {
        List<java.nio.file.Path> folders = functionFolders();
        assertThat(folders).isNotEmpty();
        for (java.nio.file.Path folder : folders) {
            JsonNode bindings = read(folder.resolve("function.json")).path("bindings");
            assertThat(bindings.isArray() && bindings.size() > 0).as(folder + " has bindings").isTrue();
            long triggers = 0;
            for (JsonNode binding : bindings) {
                String type = binding.path("type").asText();
                assertThat(REQUIRED_FIELDS).as(folder + ": binding type " + type).containsKey(type);
                Set<String> fields = Stream.of(binding.fieldNames()).flatMap(it -> {
                    List<String> names = new java.util.ArrayList<>();
                    it.forEachRemaining(names::add);
                    return names.stream();
                }).collect(Collectors.toSet());
                assertThat(fields).as(folder + ": " + type).containsAll(REQUIRED_FIELDS.get(type));
                if (type.endsWith("Trigger")) {
                    triggers++;
                    assertThat(binding.path("direction").asText()).isEqualTo("in");
                }
            }
            assertThat(triggers).as(folder + " has exactly one trigger").isEqualTo(1);
        }
    }

    @Test
    void givenEachFunction_thenOurAppServesItsHandlerOrItsForwardedRoute() throws IOException {
        Set<String> served = servedPaths();
        for (java.nio.file.Path folder : functionFolders()) {
            String name = folder.getFileName().toString();
            JsonNode trigger = null;
            for (JsonNode b : read(folder.resolve("function.json")).path("bindings")) {
                if (b.path("type").asText().endsWith("Trigger")) {
                    trigger = b;
                }
            }
            if ("httpTrigger".equals(trigger.path("type").asText())) {
                // Forwarded as is: /api/<route>, with its parameters filled in, must reach one of our REST paths.
                String forwarded = "/api/" + trigger.path("route").asText().replaceAll("\\{[^}]+}", "noreply@contoso.example");
                assertThat(served(served, forwarded)).as(name + ": " + forwarded + " in " + served).isTrue();
                if (DEAD_LETTER.equals(name)) {
                    continue; // its own authLevel (admin in host-key mode): givenTheDeadLetterFunction_...
                }
                assertThat(trigger.path("authLevel").asText()).isIn("${function.authLevel}", "anonymous", "function");
            } else {
                assertThat(served).as(name + " is invoked at POST /" + name).contains("/" + name);
            }
        }
    }

    @Test
    void givenGraphsVersionSegments_thenEachHasASendMailFunctionForwardedToOurResource() throws IOException {
        Set<String> served = servedPaths();
        Map<String, String> routes = new java.util.HashMap<>();
        for (java.nio.file.Path folder : functionFolders()) {
            for (JsonNode b : read(folder.resolve("function.json")).path("bindings")) {
                if ("httpTrigger".equals(b.path("type").asText()) && !DEAD_LETTER.equals(folder.getFileName().toString())) {
                    routes.put(b.path("route").asText(), folder.getFileName().toString());
                    // Same caller check as the plain route (host-key mode relies on the host's key on every one).
                    assertThat(b.path("authLevel").asText()).as(folder.toString()).isEqualTo("${function.authLevel}");
                }
            }
        }
        assertThat(routes).containsKeys("users/{mailbox}/sendMail", "v1.0/users/{mailbox}/sendMail", "beta/users/{mailbox}/sendMail");
        for (String version : List.of("", "v1.0/", "beta/")) {
            assertThat(served(served, "/api/" + version + "users/noreply@contoso.example/sendMail")).as(version).isTrue();
        }
        assertThat(served(served, "/api/v2.0/users/noreply@contoso.example/sendMail")).isFalse();
        assertThat(served(served, "/api/v1x0/users/noreply@contoso.example/sendMail")).isFalse();
    }

    @Test
    void givenTheDeadLetterFunction_thenItForwardsEveryDeadLetterRouteWithItsOwnAuthLevel() throws IOException {
        JsonNode binding = read(FUNCTIONS.resolve(DEAD_LETTER).resolve("function.json")).path("bindings").get(0);
        // Not the senders' ${function.authLevel}: in host-key mode only the master key may reach the operators' routes (ADR 0018).
        assertThat(binding.path("authLevel").asText()).isEqualTo("${deadletter.authLevel}");
        assertThat(binding.path("route").asText()).isEqualTo("deadletter/{*rest}");
        assertThat(binding.path("methods")).extracting(JsonNode::asText).containsExactlyInAnyOrder("get", "post", "delete");
        Set<String> served = servedPaths();
        for (String path : List.of("/api/deadletter", "/api/deadletter/0f7c", "/api/deadletter/0f7c/replay", "/api/deadletter/replay",
                "/api/deadletter/purge")) {
            assertThat(served(served, path)).as(path).isTrue();
        }
        String pom = Files.readString(java.nio.file.Path.of("pom.xml"));
        assertThat(pom).contains("<deadletter.authLevel>anonymous</deadletter.authLevel>");
    }

    @Test
    void givenTheQueueFunction_thenBindingNameAndQueueSettingMatchTheHandler() throws IOException {
        JsonNode binding = read(FUNCTIONS.resolve(OutboxQueueFunction.NAME).resolve("function.json")).path("bindings").get(0);
        assertThat(binding.path("name").asText()).isEqualTo(OutboxQueueFunction.BINDING);
        assertThat(binding.path("queueName").asText()).isEqualTo("%GRAPH_MAILER_QUEUE_NAME%");
        assertThat(binding.path("connection").asText()).isEqualTo("AzureWebJobsStorage");
    }
}
