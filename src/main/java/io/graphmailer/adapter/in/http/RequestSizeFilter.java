package io.graphmailer.adapter.in.http;

import io.graphmailer.config.GraphMailerConfig;
import io.graphmailer.domain.Violation;
import io.quarkus.vertx.web.RouteFilter;
import io.vertx.core.http.HttpHeaders;
import io.vertx.ext.web.RoutingContext;
import jakarta.inject.Inject;

import java.util.List;

/**
 * Refuses a declared body above the limit before a byte of it is read (413, rendered by ErrorResponses).
 * A chunked body without Content-Length is capped by quarkus.http.limits.max-body-size, set to the same value.
 */
public class RequestSizeFilter {
    @Inject
    GraphMailerConfig config;

    @RouteFilter(100)
    void limit(RoutingContext rc) {
        String length = rc.request().getHeader(HttpHeaders.CONTENT_LENGTH);
        long max = config.limits().maxRequestBytes();
        if (length != null) {
            long declared;
            try {
                declared = Long.parseLong(length.trim());
            } catch (NumberFormatException e) {
                declared = -1;
            }
            if (declared > max) {
                rc.response().putHeader(HttpHeaders.CONNECTION, "close");
                ErrorResponses.end(Problem.of(413, "too-large", "Request too large",
                        "the request body is " + declared + " bytes; at most " + max + " are accepted (Graph's sendMail limit is about 4 MB)",
                        "RequestEntityTooLarge").withErrors(List.of(new Violation("body", "is larger than " + max + " bytes"))), rc);
                return;
            }
        }
        rc.next();
    }
}
