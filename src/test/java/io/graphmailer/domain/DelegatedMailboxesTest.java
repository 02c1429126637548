package io.graphmailer.domain;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class DelegatedMailboxesTest {

    @Test
    void givenAPlainEntry_thenTheMailboxSignsInForItself() {
        DelegatedMailboxes d = DelegatedMailboxes.of(List.of(" Alice@Contoso.test "));

        DelegatedMailboxes.Delegation alice = d.delegation(new Mailbox("alice@contoso.test")).orElseThrow();
        assertThat(alice.account().key()).isEqualTo("alice@contoso.test");
        assertThat(alice.shared()).isFalse();
        assertThat(d.inUse()).isTrue();
    }

    @Test
    void givenASharedEntry_thenTheAccountSignsInAndTheMailboxIsShared() {
        DelegatedMailboxes d = DelegatedMailboxes.of(List.of("helpdesk@contoso.test:alice@contoso.test"));

        DelegatedMailboxes.Delegation helpdesk = d.delegation(new Mailbox("HELPDESK@contoso.test")).orElseThrow();
        assertThat(helpdesk.account().id()).isEqualTo("alice@contoso.test");
        assertThat(helpdesk.shared()).isTrue();
        assertThat(d.isDelegated(new Mailbox("alice@contoso.test"))).as("the account itself is not listed").isFalse();
    }

    @Test
    void givenNoEntries_thenEveryMailboxStaysAppOnly() {
        DelegatedMailboxes d = DelegatedMailboxes.of(List.of("", " "));

        assertThat(d.inUse()).isFalse();
        assertThat(d.isDelegated(new Mailbox("alice@contoso.test"))).isFalse();
    }

    @Test
    void givenTwoSpellingsOfOneMailbox_thenItCountsOnce() {
        assertThat(DelegatedMailboxes.of(List.of("a@contoso.test", "A@CONTOSO.test")).delegations()).hasSize(1);
    }

    @Test
    void givenAnEntryWithThreeParts_thenItIsRefused() {
        assertThatThrownBy(() -> DelegatedMailboxes.of(List.of("a@contoso.test:b@contoso.test:c@contoso.test")))
                .isInstanceOf(InvalidMailException.class);
    }
}
