package io.graphmailer.domain.budget;

import java.time.Instant;

/** The budget's answer to one send. */
public sealed interface Admission {

    /** Within every limit: send now, then release the permit. */
    record Granted(Permit permit) implements Admission {
    }

    /**
     * Over {@code limit} now; the send fits at {@code until} (computed from the window) unless others take it first.
     * {@code ticketed}: the claimant holds a place in line at {@code until} (messages per minute, see
     * {@link BudgetWindow}); coming back then with the same claimant, nobody without a ticket takes it.
     */
    record Wait(BudgetLimit limit, Instant until, String detail, boolean ticketed) implements Admission {
        public Wait(BudgetLimit limit, Instant until, String detail) {
            this(limit, until, detail, false);
        }
    }

    /** Can never fit: the message alone is larger than the limit (e.g. more recipients than the daily budget). */
    record Refused(BudgetLimit limit, String detail) implements Admission {
    }
}
