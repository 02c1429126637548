package io.graphmailer.domain.job;

import java.time.Instant;
import java.time.ZonedDateTime;
import java.time.temporal.ChronoUnit;
import java.util.Locale;

/**
 * One scheduled run of a job. Its messages' idempotency keys are derived from the job id, the
 * occurrence's UTC time and the recipient, so running the same occurrence again (a doubled or retried
 * timer invocation, a manual re-run) enqueues messages the send ledger already knows: nothing is sent twice.
 */
public record Occurrence(String jobId, Instant scheduledAt) {
    public Occurrence {
        scheduledAt = scheduledAt.truncatedTo(ChronoUnit.SECONDS);
    }

    /** Key of the message to one recipient (per-row jobs): {@code job|<id>|<utc>|<address in lower case>}. */
    public String keyFor(String recipientAddress) {
        return "job|" + jobId + "|" + scheduledAt + "|" + recipientAddress.toLowerCase(Locale.ROOT);
    }

    /** Key of part {@code index} (from 1) of a static list's message: {@code job|<id>|<utc>|list#<index>}. */
    public String keyForPart(int index) {
        return "job|" + jobId + "|" + scheduledAt + "|list#" + index;
    }

    public ZonedDateTime local(java.time.ZoneId zone) {
        return scheduledAt.atZone(zone);
    }
}
