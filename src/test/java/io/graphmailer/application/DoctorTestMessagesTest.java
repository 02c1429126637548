package io.graphmailer.application;

import io.graphmailer.domain.EmailMessage;
import io.graphmailer.domain.MailLimits;
import io.graphmailer.domain.SendMailCommand;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;

class DoctorTestMessagesTest {

    @Test
    void givenATestRecipient_thenOneTextMessagePerAllowedMailboxToIt() {
        List<SendMailCommand> messages = DoctorTestMessages.compose(List.of(" noreply@contoso.example", "alerts@contoso.example"),
                Optional.of("ops@fabrikam.example"), MailLimits.DEFAULT);
        assertThat(messages).extracting(m -> m.mailbox().id()).containsExactly("noreply@contoso.example", "alerts@contoso.example");
        EmailMessage first = (EmailMessage) messages.get(0).content();
        assertThat(first.subject()).isEqualTo("graph-mailer doctor test");
        assertThat(first.to()).extracting(a -> a.address()).containsExactly("ops@fabrikam.example");
        assertThat(messages.get(0).saveToSentItems()).isTrue();
    }

    @Test
    void givenNoTestRecipient_thenNone() {
        assertThat(DoctorTestMessages.compose(List.of("noreply@contoso.example"), Optional.empty(), MailLimits.DEFAULT)).isEmpty();
    }
}
