package io.graphmailer.support;

import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsServer;
import io.graphmailer.standin.StandinPki;
import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Map;

/**
 * A local HTTPS data feed for scheduled jobs (the stand-ins' test CA) and the job definitions that use it,
 * given to the app as GRAPH_MAILER_JOBS_JSON.
 */
public class JobsFeedResource implements QuarkusTestResourceLifecycleManager {
    public static final String ROWS = """
            [{"email":"alice@fabrikam.example","name":"Alice","team":"<script>alert('x')</script> & Co"},
             {"email":"bob@fabrikam.example","name":"Bob","team":"Ops"},
             {"email":"carol@fabrikam.example","name":"Carol","team":"Sales"}]
            """;
    private HttpsServer server;

    @Override
    public Map<String, String> start() {
        try {
            server = HttpsServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        server.setHttpsConfigurator(new HttpsConfigurator(StandinPki.shared().serverSslContext()));
        server.createContext("/rows", ex -> {
            byte[] body = ROWS.getBytes(StandardCharsets.UTF_8);
            ex.sendResponseHeaders(200, body.length);
            ex.getResponseBody().write(body);
            ex.close();
        });
        server.createContext("/down", ex -> {
            ex.sendResponseHeaders(500, -1);
            ex.close();
        });
        server.start();
        String feed = "https://localhost:" + server.getAddress().getPort();
        String jobs = """
                {"jobs":[
                 {"id":"digest","schedule":"0 0 8 * * MON","timeZone":"Europe/Berlin","mailbox":"noreply@contoso.example",
                  "recipients":{"to":["team@fabrikam.example"],"bcc":[{"address":"audit@contoso.example","name":"Audit"}]},
                  "subject":"Digest {occurrence.date}","html":"<p>Digest for {occurrence.dateTime}</p>","text":"Digest",
                  "attachments":[{"name":"agenda.txt","location":"classpath:jobs/agenda.txt","contentType":"text/plain"}]},
                 {"id":"reminder","schedule":"0 0 8 * * *","timeZone":"Europe/Berlin","mailbox":"noreply@contoso.example",
                  "pastDue":"catch-up",
                  "dataSource":{"url":"%s/rows","addressField":"email","nameField":"name","timeout":"PT5S"},
                  "subject":"Reminder for {row.name} ({row.team})","html":"<p>Hello {recipient.name}, team {row.team}</p>",
                  "text":"Hello {recipient.name}, team {row.team}"},
                 {"id":"broken","schedule":"0 0 8 * * TUE","timeZone":"Europe/Berlin","mailbox":"noreply@contoso.example",
                  "pastDue":"skip",
                  "dataSource":{"url":"%s/down","timeout":"PT5S"},
                  "subject":"Never","text":"Never"}
                ]}
                """.formatted(feed, feed);
        return Map.of("graph-mailer.jobs.json", jobs);
    }

    @Override
    public void stop() {
        if (server != null) {
            server.stop(0);
        }
    }
}
