package io.graphmailer.adapter.in.functions;

import io.vertx.core.http.HttpServerRequest;
import jakarta.ws.rs.core.Response;
import io.vertx.core.net.SocketAddress;

import java.net.InetAddress;
import java.net.UnknownHostException;

/** The Functions host calls its custom handler over loopback; nobody else may invoke functions. */
final class HostOnly {
    private HostOnly() {
    }

    /** The answer to anyone else. */
    static Response refusal() {
        return FunctionsResponse.logs("function invocations are accepted from the local Functions host only").withStatus(403);
    }

    static boolean isLocal(HttpServerRequest request) {
        SocketAddress remote = request.remoteAddress();
        if (remote == null || remote.hostAddress() == null) {
            return false;
        }
        try {
            return InetAddress.getByName(remote.hostAddress()).isLoopbackAddress();
        } catch (UnknownHostException e) {
            return false;
        }
    }
}
