package io.graphmailer.wiring;

import io.graphmailer.application.DelegatedKeepAlive;
import io.graphmailer.application.DelegatedSignInService;
import io.graphmailer.application.port.in.DelegatedSignInUseCase;
import io.graphmailer.application.port.out.DelegatedSignIn;
import io.graphmailer.application.port.out.DelegatedTokenRefresh;
import io.graphmailer.application.port.out.SignInStore;
import io.graphmailer.config.GraphMailerConfig;
import io.graphmailer.domain.DelegatedMailboxes;
import jakarta.enterprise.inject.Instance;
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

    /** signin/signout: the device code sign-in and the token store are built only for a delegated mailbox. */
    @Produces
    @Singleton
    DelegatedSignInUseCase delegatedSignIn(DelegatedMailboxes mailboxes, Instance<DelegatedSignIn> signIn, Instance<SignInStore> store) {
        return new DelegatedSignInService(mailboxes, signIn::get, store::get);
    }

    /** The timer's keep-alive; with no delegated mailbox it reads nothing and builds neither store nor provider. */
    @Produces
    @Singleton
    DelegatedKeepAlive delegatedKeepAlive(GraphMailerConfig config, DelegatedMailboxes mailboxes, Instance<SignInStore> store,
                                          Instance<DelegatedTokenRefresh> refresh) {
        return new DelegatedKeepAlive(mailboxes, store::get, refresh::get, config.delegated().keepAliveAfter());
    }
}
