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

    @Override
    public Map<String, String> start() {
        Map<String, String> config = new HashMap<>(super.start());
        SmtpStandin smtp = SmtpStandin.shared();
        config.put("graph-mailer.smtp.mailboxes", Standins.MAILBOX);
        config.put("graph-mailer.smtp.host", "localhost");
        config.put("graph-mailer.smtp.port", Integer.toString(smtp.port()));
        config.put("graph-mailer.smtp.timeout", "PT5S");
        return config;
    }

    @Override
    public void prepare(Standins s) {
        super.prepare(s);
        s.identity().grantRoles(Standins.CLIENT_ID, IdentityPlatformStandin.EXCHANGE_RESOURCE, Set.of(SmtpStandin.SMTP_SEND_AS_APP));
        SmtpStandin smtp = SmtpStandin.shared();
        smtp.reset();
        smtp.allowMailbox(Standins.CLIENT_ID, Standins.MAILBOX);
    }
}
