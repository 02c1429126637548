package io.graphmailer.adapter.out.azure;

import com.azure.core.credential.AccessToken;
import com.azure.core.credential.TokenCredential;
import com.azure.core.credential.TokenRequestContext;
import com.azure.core.http.HttpPipelineCallContext;
import com.azure.core.http.HttpPipelineNextPolicy;
import com.azure.core.http.HttpPipelineNextSyncPolicy;
import com.azure.core.http.HttpPipelinePosition;
import com.azure.core.http.HttpResponse;
import com.azure.core.http.policy.HttpPipelinePolicy;
import io.graphmailer.application.port.out.Telemetry;
import io.graphmailer.application.port.out.Telemetry.Attribute;
import reactor.core.publisher.Mono;

import java.net.URL;
import java.util.Set;
import java.util.function.Supplier;

/**
 * A span for every HTTP request an Azure SDK client of {@link AzureClients} sends (storage queues, tables and blobs, Key
 * Vault): after the retry and credential policies, so each attempt and each authentication challenge is one span. The
 * span names the route with its names and ids replaced ({@code /{queue}/messages/{id}}); the query string (a SAS, a
 * filter naming a mailbox) and the headers other than the service's request id are never read into it.
 */
final class TracedAzureCalls implements HttpPipelinePolicy {
    /** Path segments kept as they are; any other becomes a placeholder. */
    private static final Set<String> LITERALS = Set.of("messages", "Tables", "secrets", "keys", "certificates", "wrapkey",
            "unwrapkey", "versions");

    private final Supplier<Telemetry> telemetry;
    private final String system;
    private final String service;
    private final String resource;

    /**
     * @param system   {@code storage} or {@code keyvault}
     * @param service  queue, table, blob (storage) or secrets, keys (Key Vault)
     * @param resource the queue, table or container name; null for Key Vault
     */
    TracedAzureCalls(Supplier<Telemetry> telemetry, String system, String service, String resource) {
        this.telemetry = telemetry;
        this.system = system;
        this.service = service;
        this.resource = resource;
    }

    /**
     * {@code credential} with a span for each token it is asked for ({@code identity token <kind>}) and a count of them
     * (source {@code credential}: azure-identity keeps its own cache, so whether it went to the network is its own affair).
     */
    static TokenCredential traced(Supplier<Telemetry> telemetry, TokenCredential credential, String kind) {
        return new TokenCredential() {
            @Override
            public Mono<AccessToken> getToken(TokenRequestContext request) {
                return Mono.defer(() -> {
                    Telemetry.Call call = start(telemetry.get(), kind);
                    return credential.getToken(request).doOnNext(token -> telemetry.get().tokenAcquired(kind, "credential"))
                            .doOnError(e -> failed(telemetry.get(), call, kind, e)).doFinally(signal -> call.close());
                });
            }

            @Override
            public AccessToken getTokenSync(TokenRequestContext request) {
                try (Telemetry.Call call = start(telemetry.get(), kind)) {
                    try {
                        AccessToken token = credential.getTokenSync(request);
                        telemetry.get().tokenAcquired(kind, "credential");
                        return token;
                    } catch (RuntimeException e) {
                        failed(telemetry.get(), call, kind, e);
                        throw e;
                    }
                }
            }
        };
    }

    private static Telemetry.Call start(Telemetry telemetry, String kind) {
        return telemetry.call("identity", "token " + kind).set(Attribute.TOKEN_KIND, kind).set(Attribute.TOKEN_SOURCE, "credential");
    }

    private static void failed(Telemetry telemetry, Telemetry.Call call, String kind, Throwable e) {
        call.failed(e.getClass().getSimpleName());
        telemetry.tokenFailed(kind, e.getClass().getSimpleName());
    }

    @Override
    public HttpPipelinePosition getPipelinePosition() {
        return HttpPipelinePosition.PER_RETRY;
    }

    @Override
    public HttpResponse processSync(HttpPipelineCallContext context, HttpPipelineNextSyncPolicy next) {
        Telemetry.Call call = start(context);
        try {
            HttpResponse response = next.processSync();
            answered(call, response);
            return response;
        } catch (RuntimeException e) {
            call.failed(e.getClass().getSimpleName());
            throw e;
        } finally {
            call.close();
        }
    }

    @Override
    public Mono<HttpResponse> process(HttpPipelineCallContext context, HttpPipelineNextPolicy next) {
        return Mono.defer(() -> {
            Telemetry.Call call = start(context);
            return next.process().doOnNext(response -> answered(call, response))
                    .doOnError(e -> call.failed(e.getClass().getSimpleName())).doFinally(signal -> call.close());
        });
    }

    private Telemetry.Call start(HttpPipelineCallContext context) {
        URL url = context.getHttpRequest().getUrl();
        String method = context.getHttpRequest().getHttpMethod().name();
        String route = route(url.getPath(), service, resource);
        Telemetry.Call call = telemetry.get().call(system, method + " " + route).set(Attribute.METHOD, method)
                .set(Attribute.ROUTE, route).set(Attribute.HOST, url.getHost());
        if (system.equals("storage")) {
            call.set(Attribute.STORAGE_SERVICE, service).set(Attribute.STORAGE_RESOURCE, resource);
        }
        return call;
    }

    private static void answered(Telemetry.Call call, HttpResponse response) {
        call.set(Attribute.STATUS, response.getStatusCode()).set(Attribute.REQUEST_ID, response.getHeaderValue("x-ms-request-id"));
        String retryAfter = response.getHeaderValue("Retry-After");
        if (retryAfter != null && retryAfter.trim().matches("\\d{1,9}")) {
            call.set(Attribute.RETRY_AFTER, Long.parseLong(retryAfter.trim()));
        }
        if (response.getStatusCode() >= 500) {
            call.failed("Http" + response.getStatusCode());
        }
    }

    /**
     * The path as a template. Storage: what comes before the resource's own segment (Azurite's account) is dropped, the
     * resource is {@code {queue}}, {@code {table}} or {@code {container}}, a table's entity keys {@code ({keys})}, a blob's
     * name {@code {blob}}, any other segment but {@code messages} {@code {id}}; a path without the resource keeps only its
     * literal segments ({@code /Tables}). Key Vault: {@code /secrets/{name}/{version}}, {@code /keys/{name}/{version}/wrapkey}.
     */
    static String route(String path, String service, String resource) {
        java.util.List<String> segments = java.util.Arrays.stream(path.split("/")).filter(p -> !p.isEmpty()).toList();
        StringBuilder out = new StringBuilder();
        if (resource != null) {
            int at = -1;
            for (int i = 0; i < segments.size() && at < 0; i++) {
                String s = segments.get(i);
                if (s.equals(resource) || s.startsWith(resource + "(")) {
                    at = i;
                }
            }
            if (at < 0) {
                segments.stream().filter(LITERALS::contains).forEach(s -> out.append('/').append(s));
                return out.length() == 0 ? "/" : out.toString();
            }
            String own = segments.get(at);
            String name = switch (service) {
                case "queue" -> "{queue}";
                case "table" -> "{table}";
                default -> "{container}";
            };
            out.append('/').append(name).append(own.length() == resource.length() ? "" : own.endsWith("()") ? "()" : "({keys})");
            if (service.equals("blob")) {
                return at + 1 < segments.size() ? out.append("/{blob}").toString() : out.toString();
            }
            for (String s : segments.subList(at + 1, segments.size())) {
                out.append('/').append(LITERALS.contains(s) ? s : "{id}");
            }
            return out.toString();
        }
        String previous = "";
        for (String s : segments) {
            String part;
            if (LITERALS.contains(s)) {
                part = s;
            } else if (previous.equals("secrets") || previous.equals("keys") || previous.equals("certificates")) {
                part = "{name}";
            } else if (previous.equals("{name}")) {
                part = "{version}";
            } else {
                part = "{id}";
            }
            out.append('/').append(part);
            previous = part;
        }
        return out.length() == 0 ? "/" : out.toString();
    }
}
