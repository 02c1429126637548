package io.graphmailer.wiring;

import io.graphmailer.adapter.out.graph.GraphMailSender;
import io.graphmailer.adapter.out.identity.MsalAccessTokenProvider;
import io.graphmailer.adapter.out.storage.TableDeliveryLog;
import io.graphmailer.adapter.out.storage.TableSendLedger;
import io.graphmailer.application.port.out.DeliveryLog;
import io.graphmailer.config.GraphMailerConfig;
import io.graphmailer.config.SettingsValidator;
import io.graphmailer.domain.SmtpMailboxes;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Instance;
import jakarta.inject.Inject;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Liveness;
import org.eclipse.microprofile.health.Readiness;

import java.util.function.Supplier;

/**
 * Liveness (the process answers) and readiness (MicroProfile Health, served by SmallRye Health at /q/health/* and, behind
 * the Functions host, at /api/health/*): the signing certificate is loaded, a Graph token can be had from the token cache
 * (or the identity platform when none is cached; Graph itself is never called), and the send ledger and delivery log
 * tables answer. A check that does not apply to this deployment (the outbox transport; no storage) is not run. A failure
 * names its exception's type only, never a token, a key or certificate material.
 */
public final class HealthChecks {
    private HealthChecks() {
    }

    @Liveness
    @ApplicationScoped
    public static class Alive implements HealthCheck {
        @Override
        public HealthCheckResponse call() {
            return HealthCheckResponse.up("graph-mailer");
        }
    }

    /** The certificate and a token: only where mail goes through Graph or SMTP (not the outbox). */
    @Readiness
    @ApplicationScoped
    public static class Identity implements HealthCheck {
        @Inject
        GraphMailerConfig config;
        @Inject
        SmtpMailboxes smtpMailboxes;
        @Inject
        Instance<MsalAccessTokenProvider> tokens;

        @Override
        public HealthCheckResponse call() {
            if (config.transport() != GraphMailerConfig.TransportKind.GRAPH && !smtpMailboxes.inUse()) {
                return HealthCheckResponse.named("identity").up().withData("applies", "no (outbox transport)").build();
            }
            var response = HealthCheckResponse.named("identity");
            MsalAccessTokenProvider provider;
            try {
                provider = tokens.get();
                provider.certificate();
                response.withData("certificate", "loaded");
            } catch (RuntimeException e) {
                return response.down().withData("certificate", "not loaded: " + e.getClass().getSimpleName()).build();
            }
            String scope = config.transport() == GraphMailerConfig.TransportKind.GRAPH ? GraphMailSender.GRAPH_SCOPE
                    : io.graphmailer.adapter.out.smtp.SmtpMailSender.SMTP_SCOPE;
            try {
                response.withData("token", "valid until " + provider.token(scope).expiresOn());
            } catch (RuntimeException e) {
                return response.down().withData("token", "not available: " + e.getClass().getSimpleName()).build();
            }
            return response.up().build();
        }
    }

    /** The send ledger's and the delivery log's tables, where the app runs with storage. */
    @Readiness
    @ApplicationScoped
    public static class Storage implements HealthCheck {
        @Inject
        GraphMailerConfig config;
        @Inject
        Instance<TableSendLedger> ledger;
        @Inject
        DeliveryLog deliveryLog;

        @Override
        public HealthCheckResponse call() {
            var response = HealthCheckResponse.named("storage");
            boolean up = true;
            if (withStorage(config)) {
                up &= check(response, "ledger", () -> {
                    ledger.get().createIfMissing();
                    return "reachable";
                });
            } else {
                response.withData("ledger", "not used (no storage)");
            }
            if (deliveryLog instanceof TableDeliveryLog table) {
                up &= check(response, "deliveryLog", () -> {
                    table.probe();
                    return "reachable";
                });
            } else {
                response.withData("deliveryLog", "in memory");
            }
            return response.status(up).build();
        }

        private static boolean check(org.eclipse.microprofile.health.HealthCheckResponseBuilder response, String name, Supplier<String> probe) {
            try {
                response.withData(name, probe.get());
                return true;
            } catch (RuntimeException e) {
                response.withData(name, "unreachable: " + e.getClass().getSimpleName());
                return false;
            }
        }

        private static boolean withStorage(GraphMailerConfig config) {
            String port = System.getenv(SettingsValidator.FUNCTIONS_PORT_ENV);
            return (port != null && !port.isBlank()) || config.storage().connectionString().isPresent()
                    || config.storage().tableEndpoint().isPresent();
        }
    }
}
