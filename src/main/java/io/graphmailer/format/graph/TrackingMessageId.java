package io.graphmailer.format.graph;

import io.graphmailer.domain.Mailbox;

import java.util.Locale;

/**
 * The Internet message id graph-mailer gives every message it sends through Graph: {@code <tracking-id@domain>}, the
 * domain the sending mailbox's (or {@code graph-mailer.invalid} for a mailbox named by object id). It is the same for
 * every attempt of one queued message, so a later look in Sent Items finds any attempt that went out. Readable and
 * filterable with Mail.ReadBasic, which hides extended properties (ADR 0005).
 */
public final class TrackingMessageId {
    private TrackingMessageId() {
    }

    public static String of(Mailbox mailbox, String trackingId) {
        String id = mailbox.id();
        int at = id.lastIndexOf('@');
        String domain = at > 0 && at < id.length() - 1 ? id.substring(at + 1).toLowerCase(Locale.ROOT) : "graph-mailer.invalid";
        return "<" + trackingId + "@" + domain + ">";
    }
}
