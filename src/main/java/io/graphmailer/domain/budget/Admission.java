package io.graphmailer.domain.budget;

import java.time.Instant;

/** The budget's answer to one send. */
public sealed interface Admission {

    /** Within every limit: send now, then release the permit. */
    record Granted(Permit permit) implements Admission {
    }

    /** Over {@code limit} now; the send fits at {@code until} (computed from the window) unless others take it first. */
    record Wait(BudgetLimit limit, Instant until, String detail) implements Admission {
    }

    /** Can never fit: the message alone is larger than the limit (e.g. more recipients than the daily budget). */
    record Refused(BudgetLimit limit, String detail) implements Admission {
    }
}
