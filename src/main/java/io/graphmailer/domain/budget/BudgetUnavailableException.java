package io.graphmailer.domain.budget;

/** The shared budget store cannot be read or written: the send must not go out as if it were within its budget. */
public class BudgetUnavailableException extends RuntimeException {
    public BudgetUnavailableException(String message, Throwable cause) {
        super(message, cause);
    }
}
