package io.graphmailer.standin;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsParameters;
import com.sun.net.httpserver.HttpsServer;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * An HTTP(S) server on 127.0.0.1 with a small method + path-pattern router. Each stand-in registers its routes;
 * requests that match none are answered by {@link #unmatched(Request)} and remembered in
 * {@link #unmatchedRequests()}. Handlers run on a cached thread pool, so concurrent requests really overlap.
 */
abstract class StandinServer implements AutoCloseable {

    static final ObjectMapper JSON = new ObjectMapper();
    static final InetAddress LOOPBACK;

    static {
        try {
            LOOPBACK = InetAddress.getByAddress(new byte[] {127, 0, 0, 1});
        } catch (IOException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    @FunctionalInterface
    interface Handler {
        void handle(Request request) throws IOException;
    }

    private record Route(String method, Pattern path, Handler handler) {
    }

    private final String name;
    private final String hostName;
    private final boolean tls;
    private final List<Route> routes = new CopyOnWriteArrayList<>();
    private final List<String> unmatched = new CopyOnWriteArrayList<>();
    private volatile HttpServer server;
    private volatile ExecutorService executor;
    private volatile int port;

    /**
     * @param hostName the name used in {@link #baseUrl()} (must resolve to 127.0.0.1 and, with TLS, be in the
     *                 server certificate)
     * @param port     0 for an ephemeral port
     */
    StandinServer(String name, String hostName, int port, boolean tls) {
        this.name = name;
        this.hostName = hostName;
        this.port = port;
        this.tls = tls;
    }

    final void route(String method, String pathRegex, Handler handler) {
        routes.add(new Route(method, Pattern.compile(pathRegex), handler));
    }

    /** Binds the port (the same port again after {@link #stop()}) and starts serving. */
    public synchronized void start() {
        if (server != null) {
            return;
        }
        try {
            InetSocketAddress address = new InetSocketAddress(LOOPBACK, port);
            HttpServer created;
            if (tls) {
                HttpsServer https = HttpsServer.create(address, 64);
                https.setHttpsConfigurator(new HttpsConfigurator(StandinPki.shared().serverSslContext()) {
                    @Override
                    public void configure(HttpsParameters params) {
                        params.setSSLParameters(getSSLContext().getDefaultSSLParameters());
                    }
                });
                created = https;
            } else {
                created = HttpServer.create(address, 64);
            }
            ExecutorService pool = Executors.newCachedThreadPool(daemonThreads(name));
            created.setExecutor(pool);
            created.createContext("/", this::dispatch);
            created.start();
            port = created.getAddress().getPort();
            executor = pool;
            server = created;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start " + name + " stand-in on 127.0.0.1:" + port, e);
        }
    }

    /** Closes the listening socket: clients get "connection refused" until {@link #start()} is called again. */
    public synchronized void stop() {
        HttpServer current = server;
        if (current != null) {
            current.stop(0);
            executor.shutdownNow();
            server = null;
            executor = null;
        }
    }

    public boolean isRunning() {
        return server != null;
    }

    @Override
    public void close() {
        stop();
    }

    public int port() {
        return port;
    }

    /** {@code https://host:port} (or {@code http://} for plain servers), no trailing slash. */
    public String baseUrl() {
        return (tls ? "https://" : "http://") + hostName + ":" + port;
    }

    /** Requests no route matched, as {@code "METHOD /path"}. */
    public List<String> unmatchedRequests() {
        return List.copyOf(unmatched);
    }

    void clearUnmatched() {
        unmatched.clear();
    }

    void unmatched(Request request) throws IOException {
        request.sendEmpty(404, Map.of());
    }

    private void dispatch(HttpExchange exchange) {
        Request request = new Request(exchange);
        try {
            String path = exchange.getRequestURI().getRawPath();
            for (Route route : routes) {
                if (!route.method().equals(exchange.getRequestMethod())) {
                    continue;
                }
                Matcher matcher = route.path().matcher(path);
                if (matcher.matches()) {
                    request.matcher = matcher;
                    route.handler().handle(request);
                    return;
                }
            }
            unmatched.add(exchange.getRequestMethod() + " " + path);
            unmatched(request);
        } catch (Throwable e) {
            if (!request.responded) {
                try {
                    request.sendJson(500, Map.of("error", Map.of("code", "StandinFailure",
                            "message", name + " stand-in failed: " + e)), Map.of());
                } catch (IOException ignored) {
                    // the client went away
                }
            }
        } finally {
            exchange.close();
        }
    }

    private static ThreadFactory daemonThreads(String name) {
        AtomicInteger count = new AtomicInteger();
        return runnable -> {
            Thread thread = new Thread(runnable, "standin-" + name + "-" + count.incrementAndGet());
            thread.setDaemon(true);
            return thread;
        };
    }

    /** One request: decoded query and path groups, body on demand, and one-shot response helpers. */
    static final class Request {
        private final HttpExchange exchange;
        private Matcher matcher;
        private Map<String, String> query;
        private byte[] body;
        private boolean responded;
        private int status;
        private java.util.function.IntConsumer beforeResponse = status -> { };

        Request(HttpExchange exchange) {
            this.exchange = exchange;
        }

        String method() {
            return exchange.getRequestMethod();
        }

        URI uri() {
            return exchange.getRequestURI();
        }

        String path() {
            return exchange.getRequestURI().getRawPath();
        }

        /** A decoded capture group of the route's path pattern. */
        String pathGroup(int index) {
            // a path keeps '+' literally (user+tag@contoso.com); only %XX escapes are decoded
            return decode(matcher.group(index).replace("+", "%2B"));
        }

        String header(String name) {
            return exchange.getRequestHeaders().getFirst(name);
        }

        Map<String, List<String>> headers() {
            Map<String, List<String>> copy = new LinkedHashMap<>();
            exchange.getRequestHeaders().forEach((k, v) -> copy.put(k, List.copyOf(v)));
            return Collections.unmodifiableMap(copy);
        }

        String query(String name) {
            if (query == null) {
                query = parseForm(exchange.getRequestURI().getRawQuery());
            }
            return query.get(name);
        }

        /** Reads the body; more than {@code limit} bytes gives {@code null}. */
        byte[] body(int limit) throws IOException {
            if (body == null) {
                try (InputStream in = exchange.getRequestBody()) {
                    byte[] read = in.readNBytes(limit + 1);
                    if (read.length > limit) {
                        in.transferTo(OutputStreamNull.INSTANCE);
                        return null;
                    }
                    body = read;
                }
            }
            return body;
        }

        byte[] body() throws IOException {
            return body(16 * 1024 * 1024);
        }

        Map<String, String> form() throws IOException {
            return parseForm(new String(body(), StandardCharsets.UTF_8));
        }

        boolean responded() {
            return responded;
        }

        /** Runs with the status just before the response goes out (so observers see it before the client does). */
        /** Adds to what runs just before the response is written. */
        void alsoBeforeResponse(java.util.function.IntConsumer hook) {
            java.util.function.IntConsumer previous = this.beforeResponse;
            this.beforeResponse = status -> {
                previous.accept(status);
                hook.accept(status);
            };
        }

        void beforeResponse(java.util.function.IntConsumer hook) {
            this.beforeResponse = hook;
        }

        /** Status sent, 0 before the response. */
        int status() {
            return status;
        }

        void sendJson(int status, Object json, Map<String, String> headers) throws IOException {
            byte[] bytes = JSON.writeValueAsBytes(json);
            Map<String, String> all = new LinkedHashMap<>(headers);
            all.putIfAbsent("Content-Type", "application/json; charset=utf-8");
            send(status, bytes, all);
        }

        void sendEmpty(int status, Map<String, String> headers) throws IOException {
            send(status, new byte[0], headers);
        }

        void send(int status, byte[] bytes, Map<String, String> headers) throws IOException {
            responded = true;
            this.status = status;
            beforeResponse.accept(status);
            headers.forEach((k, v) -> exchange.getResponseHeaders().add(k, v));
            exchange.sendResponseHeaders(status, bytes.length == 0 ? -1 : bytes.length);
            if (bytes.length > 0) {
                exchange.getResponseBody().write(bytes);
            }
        }
    }

    static Map<String, String> parseForm(String raw) {
        Map<String, String> values = new LinkedHashMap<>();
        if (raw == null || raw.isEmpty()) {
            return values;
        }
        for (String pair : raw.split("&")) {
            if (pair.isEmpty()) {
                continue;
            }
            int eq = pair.indexOf('=');
            String key = decode(eq < 0 ? pair : pair.substring(0, eq));
            String value = eq < 0 ? "" : decode(pair.substring(eq + 1));
            values.putIfAbsent(key, value);
        }
        return values;
    }

    static String decode(String raw) {
        return URLDecoder.decode(raw, StandardCharsets.UTF_8);
    }

    private static final class OutputStreamNull extends java.io.OutputStream {
        static final OutputStreamNull INSTANCE = new OutputStreamNull();

        @Override
        public void write(int b) {
        }

        @Override
        public void write(byte[] b, int off, int len) {
        }
    }
}
