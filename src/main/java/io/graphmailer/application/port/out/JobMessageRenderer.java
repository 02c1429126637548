package io.graphmailer.application.port.out;

import io.graphmailer.domain.job.JobDefinition;
import io.graphmailer.domain.job.Occurrence;

import java.util.Map;

/** Renders a job's subject and bodies for one occurrence and one data row (empty for static lists). */
public interface JobMessageRenderer {

    record Rendered(String subject, String html, String text) {
    }

    /** Compiles the job's templates; throws a {@link io.graphmailer.domain.job.JobDefinitionException} naming the field. */
    void prepare(JobDefinition job);

    /** @throws RenderException naming the template field that failed */
    Rendered render(JobDefinition job, Occurrence occurrence, Map<String, Object> row, String recipientAddress, String recipientName);

    class RenderException extends RuntimeException {
        private final String field;

        public RenderException(String field, String message) {
            super(message, null, false, false);
            this.field = field;
        }

        public String field() {
            return field;
        }
    }
}
