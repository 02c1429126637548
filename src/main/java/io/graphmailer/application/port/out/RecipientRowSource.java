package io.graphmailer.application.port.out;

import io.graphmailer.domain.job.DataSource;

import java.util.Iterator;
import java.util.Map;

/**
 * A job's data rows. {@link #open} reads the whole source before returning, so a slow, failing or
 * malformed source fails here, before any message is enqueued; the rows are then streamed one at a
 * time (never all in memory), as often as asked.
 */
public interface RecipientRowSource {

    RowSet open(DataSource source);

    interface RowSet extends AutoCloseable, Iterable<Map<String, Object>> {
        long count();

        /** Each call streams the rows again from the start. */
        @Override
        Iterator<Map<String, Object>> iterator();

        @Override
        void close();
    }

    /** The source could not be read completely (timeout, non-2xx, malformed JSON, too many rows). */
    class SourceException extends RuntimeException {
        public SourceException(String message) {
            super(message, null, false, false);
        }
    }
}
