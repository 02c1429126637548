package io.graphmailer.wiring;

import io.graphmailer.adapter.out.graph.GraphMailSender;
import io.graphmailer.adapter.out.graph.GraphSentMessageLookup;
import io.graphmailer.adapter.out.identity.CertificateSource;
import io.graphmailer.adapter.out.identity.IdentityProbe;
import io.graphmailer.adapter.out.identity.MsalAccessTokenProvider;
import io.graphmailer.adapter.out.smtp.SmtpMailSender;
import io.graphmailer.adapter.out.smtp.SmtpProbe;
import io.graphmailer.application.DelegatedSignInProbe;
import io.graphmailer.application.DoctorService;
import io.graphmailer.application.DoctorTestMessages;
import io.graphmailer.application.MailboxBudgetProbe;
import io.graphmailer.application.port.in.MailboxBudgetsUseCase;
import io.graphmailer.application.port.in.DiagnoseUseCase;
import io.graphmailer.application.port.in.SendMailUseCase;
import io.graphmailer.application.port.out.DelegatedSignIn;
import io.graphmailer.application.port.out.DiagnosticProbe;
import io.graphmailer.application.port.out.SignInStore;
import io.graphmailer.config.GraphMailerConfig;
import io.graphmailer.config.SettingsProbe;
import io.graphmailer.domain.DelegatedMailboxes;
import io.graphmailer.domain.MailLimits;
import io.graphmailer.domain.SmtpMailboxes;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Instance;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;

import java.time.Clock;
import java.util.ArrayList;
import java.util.List;

/** The doctor examines only what this deployment uses: Graph by the transport setting, SMTP when a mailbox is on it. */
@ApplicationScoped
public class DoctorBeans {

    @Produces
    @Singleton
    DiagnoseUseCase doctor(GraphMailerConfig config, SmtpMailboxes smtpMailboxes, SendMailUseCase sendMail, MailLimits limits,
                           Instance<MsalAccessTokenProvider> tokens, Instance<CertificateSource> certificates,
                           Instance<SmtpMailSender> smtp, MailboxBudgetsUseCase budgets,
                           DelegatedMailboxes delegated, Instance<SignInStore> signIns, Instance<DelegatedSignIn> signIn) {
        List<DiagnosticProbe> probes = new ArrayList<>();
        probes.add(new SettingsProbe(config, smtpMailboxes));
        List<IdentityProbe.ScopeNeed> needs = scopeNeeds(config, smtpMailboxes);
        if (!needs.isEmpty()) {
            probes.add(new IdentityProbe(certificates.get(), tokens.get(), needs, Clock.systemUTC()));
        }
        if (smtpMailboxes.inUse()) {
            probes.add(new SmtpProbe(smtp.get()));
        }
        probes.add(new MailboxBudgetProbe(budgets));
        if (delegated.inUse()) {
            probes.add(new DelegatedSignInProbe(delegated, signIns::get, m -> signIn.get().scopes(m), new DelegatedSignInProbe.Limits(
                    config.delegated().inactivityLimit(), config.delegated().warnBefore()), Clock.systemUTC()));
        }
        return new DoctorService(probes, sendMail,
                () -> DoctorTestMessages.compose(config.allowedSenders(), config.doctor().testRecipient(), limits));
    }

    /** The app roles each token must carry for what this deployment sends; none when nothing needs a token. */
    private static List<IdentityProbe.ScopeNeed> scopeNeeds(GraphMailerConfig config, SmtpMailboxes smtpMailboxes) {
        List<IdentityProbe.ScopeNeed> needs = new ArrayList<>();
        if (config.transport() == GraphMailerConfig.TransportKind.GRAPH) {
            needs.add(new IdentityProbe.ScopeNeed(GraphMailSender.GRAPH_SCOPE, "Mail.Send", false, "Graph"));
            if (config.queue().unknownOutcomePolicy() == GraphMailerConfig.UnknownOutcome.VERIFY) {
                needs.add(new IdentityProbe.ScopeNeed(GraphMailSender.GRAPH_SCOPE, GraphSentMessageLookup.READ_ROLE, false,
                        "Sent Items lookup"));
            }
        }
        if (smtpMailboxes.inUse()) {
            needs.add(new IdentityProbe.ScopeNeed(SmtpMailSender.SMTP_SCOPE, "SMTP.SendAsApp", true, "SMTP"));
            if (config.smtp().saveToSentItems()) {
                needs.add(new IdentityProbe.ScopeNeed(GraphMailSender.GRAPH_SCOPE, "Mail.ReadWrite", false, "Sent Items copies (Graph)"));
            }
        }
        return needs;
    }
}
