package io.graphmailer.domain;

import java.util.List;

/** What is sent: Graph's JSON message or a raw MIME message. */
public sealed interface MailContent permits EmailMessage, MimeContent {
    int recipientCount();

    /** Every address that says who sends (from, sender, Resent-*): each must pass {@link SenderPolicy}. */
    List<SenderAddress> senderAddresses();
}
