package io.graphmailer.application;

import io.graphmailer.domain.BodyType;
import io.graphmailer.domain.EmailAddress;
import io.graphmailer.domain.EmailMessage;
import io.graphmailer.domain.MailLimits;
import io.graphmailer.domain.Mailbox;
import io.graphmailer.domain.SendMailCommand;

import java.util.List;
import java.util.Optional;

/** What the doctor's test send sends: one plain text message per allowed mailbox to the test recipient. */
public final class DoctorTestMessages {
    private DoctorTestMessages() {
    }

    /** None without a test recipient. */
    public static List<SendMailCommand> compose(List<String> allowedSenders, Optional<String> testRecipient, MailLimits limits) {
        return testRecipient.map(to -> allowedSenders.stream()
                .map(sender -> new SendMailCommand(new Mailbox(sender.trim()), new EmailMessage("graph-mailer doctor test", BodyType.TEXT,
                        "A test message from graph-mailer's doctor, sent as " + sender.trim() + ".",
                        List.of(new EmailAddress(to, null)), List.of(), List.of(), List.of(), null, null, List.of(), List.of(), List.of(),
                        false, false), true, limits))
                .toList()).orElse(List.of());
    }
}
