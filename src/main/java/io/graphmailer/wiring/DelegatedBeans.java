package io.graphmailer.wiring;

import io.graphmailer.config.GraphMailerConfig;
import io.graphmailer.domain.DelegatedMailboxes;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;

import java.util.List;

/** Delegated mode: which mailboxes send with a signed-in account's token (README "Delegated mode"). */
public class DelegatedBeans {

    @Produces
    @Singleton
    DelegatedMailboxes delegatedMailboxes(GraphMailerConfig config) {
        return DelegatedMailboxes.of(config.delegated().mailboxes().orElse(List.of()));
    }
}
