package io.graphmailer.support;

import io.graphmailer.standin.IdentityPlatformStandin;
import io.graphmailer.standin.SmtpStandin;
import io.graphmailer.standin.Standins;

import java.util.HashMap;
import java.util.Map;
import java.util.Set;

/**
 * {@link StandinsResource} plus the Exchange SMTP stand-in: {@link Standins#MAILBOX} is sent through SMTP (XOAUTH2
 * on {@code localhost}), every other allowed mailbox through Graph. The app holds {@code SMTP.SendAsApp} and its
 * service principal has rights on the SMTP mailbox.
 */
public class SmtpStandinsResource extends StandinsResource {
    private boolean saveToSentItems;

    @Override
    public void init(Map<String, String> initArgs) {
        super.init(initArgs);
        saveToSentItems = Boolean.parseBoolean(initArgs.get("saveToSentItems"));
    }

    /** Init arg {@code saveToSentItems=true}: the copy to Sent Items is on and the app holds Graph Mail.ReadWrite. */
    public SmtpStandinsResource saveToSentItems(boolean on) {
        saveToSentItems = on;
        return this;
    }

    private boolean saveToSentItems() {
        return saveToSentItems;
    }

    @Override
    public Map<String, String> start() {
        Map<String, String> config = new HashMap<>(super.start());
        SmtpStandin smtp = SmtpStandin.shared();
        config.put("graph-mailer.smtp.mailboxes", Standins.MAILBOX);
        config.put("graph-mailer.smtp.host", "localhost");
        config.put("graph-mailer.smtp.port", Integer.toString(smtp.port()));
        config.put("graph-mailer.smtp.timeout", "PT5S");
        if (saveToSentItems()) {
            config.put("graph-mailer.smtp.save-to-sent-items", "true");
        }
        return config;
    }

    @Override
    public void prepare(Standins s) {
        super.prepare(s);
        s.identity().grantRoles(Standins.CLIENT_ID, IdentityPlatformStandin.EXCHANGE_RESOURCE, Set.of(SmtpStandin.SMTP_SEND_AS_APP));
        if (saveToSentItems()) {
            s.identity().grantRoles(Standins.CLIENT_ID, IdentityPlatformStandin.GRAPH_RESOURCE, Set.of("Mail.Send", "Mail.ReadWrite"));
        }
        SmtpStandin smtp = SmtpStandin.shared();
        smtp.reset();
        smtp.allowMailbox(Standins.CLIENT_ID, Standins.MAILBOX);
    }
}
