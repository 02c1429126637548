package io.graphmailer.domain;

/** What is sent: Graph's JSON message or a raw MIME message. */
public sealed interface MailContent permits EmailMessage, MimeContent {
    int recipientCount();
}
