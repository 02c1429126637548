package io.graphmailer.adapter.in.http;

/** A resource's refusal, rendered by {@link ProblemMappers} like every other error. */
public class ProblemException extends RuntimeException {
    private final transient Problem problem;

    public ProblemException(Problem problem) {
        super(problem.detail(), null, false, false);
        this.problem = problem;
    }

    public Problem problem() {
        return problem;
    }
}
