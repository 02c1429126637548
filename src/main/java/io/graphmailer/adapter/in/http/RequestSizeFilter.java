package io.graphmailer.adapter.in.http;

import io.graphmailer.config.GraphMailerConfig;
import io.quarkus.vertx.web.RouteFilter;
import io.vertx.core.http.HttpHeaders;
import io.vertx.ext.web.RoutingContext;
import jakarta.inject.Inject;

/**
 * Refuses a declared body above the limit before a byte of it is read (413, problem+json).
 * A chunked body without Content-Length is capped by quarkus.http.limits.max-body-size, set to the same value.
 */
public class RequestSizeFilter {
    private static final String BODY = "{\"type\":\"https://graph-mailer.dev/problems/too-large\",\"title\":\"Request too large\",\"status\":413,"
            + "\"detail\":\"the request body is %d bytes; at most %d are accepted (Graph's sendMail limit is about 4 MB)\","
            + "\"errors\":[{\"field\":\"body\",\"message\":\"is larger than %d bytes\"}],"
            + "\"error\":{\"code\":\"RequestEntityTooLarge\",\"message\":\"the request body is larger than %d bytes\"}}";

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
                rc.response().setStatusCode(413)
                        .putHeader(HttpHeaders.CONTENT_TYPE, Problem.MEDIA_TYPE)
                        .putHeader(HttpHeaders.CONNECTION, "close")
                        .end(String.format(BODY, declared, max, max, max));
                return;
            }
        }
        rc.next();
    }
}
