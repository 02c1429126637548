package io.graphmailer.attack;

import io.graphmailer.standin.Standins;
import io.graphmailer.support.StandinsResource;

import java.util.Map;

/**
 * The attack suite's world: graph transport to the stand-ins (so "nothing sent" means Graph saw no request), an
 * allowlist with a mailbox spelled with 'k' (for U+212A KELVIN SIGN) and an IDN domain, and one send-as pair.
 */
public class AttackResource extends StandinsResource {
    public static final String KIOSK = "kiosk@kontoso.test";
    public static final String IDN_MAILBOX = "info@bücher.test";
    /** Allowed mailbox that {@code Standins.MAILBOX} may name as from/sender (Send As). */
    public static final String SHARED = StandinsResource.OTHER_MAILBOX;

    @Override
    public Map<String, String> start() {
        Map<String, String> config = super.start();
        config.put("graph-mailer.allowed-senders", String.join(",", Standins.MAILBOX, SHARED, KIOSK, IDN_MAILBOX));
        config.put("graph-mailer.send-as", Standins.MAILBOX + ":" + SHARED);
        return config;
    }
}
