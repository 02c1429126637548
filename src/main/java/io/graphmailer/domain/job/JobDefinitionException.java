package io.graphmailer.domain.job;

/** A job definition that cannot run; the message names the job and the field at fault. */
public class JobDefinitionException extends IllegalArgumentException {
    private final String jobId;
    private final String field;

    public JobDefinitionException(String jobId, String field, String message) {
        super("job " + (jobId == null || jobId.isBlank() ? "(without id)" : "'" + jobId + "'") + ": " + field + " " + message);
        this.jobId = jobId;
        this.field = field;
    }

    public String jobId() {
        return jobId;
    }

    public String field() {
        return field;
    }
}
