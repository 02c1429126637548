package io.graphmailer.domain.budget;

import io.graphmailer.domain.Mailbox;

import java.time.Duration;
import java.time.Instant;

/** A send that would take its mailbox over a limit now; {@link #retryAt()} is when the window frees enough for it. */
public class MailboxBudgetExceededException extends RuntimeException {
    private final transient Mailbox mailbox;
    private final BudgetLimit limit;
    private final Instant retryAt;

    public MailboxBudgetExceededException(Mailbox mailbox, Admission.Wait wait) {
        super(wait.detail());
        this.mailbox = mailbox;
        this.limit = wait.limit();
        this.retryAt = wait.until();
    }

    public Mailbox mailbox() {
        return mailbox;
    }

    public BudgetLimit limit() {
        return limit;
    }

    public Instant retryAt() {
        return retryAt;
    }

    /** Whole seconds from {@code now} until {@link #retryAt()}, at least 1 (for {@code Retry-After}). */
    public long retryAfterSeconds(Instant now) {
        long ms = Duration.between(now, retryAt).toMillis();
        return Math.max(1, (ms + 999) / 1000);
    }
}
