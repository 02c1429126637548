package io.graphmailer.adapter.out.storage;

import com.azure.data.tables.TableClient;
import com.azure.data.tables.models.TableServiceException;

import java.util.function.Supplier;

/**
 * A table's client, built and the table created if missing on first use (Terraform creates it in Azure; local runs and
 * tests need this). A failed creation (storage unreachable) is tried again on the next use; afterwards the client is
 * read without a lock.
 */
final class TableOnFirstUse {
    private final Supplier<TableClient> client;
    private volatile TableClient table;

    TableOnFirstUse(Supplier<TableClient> client) {
        this.client = client;
    }

    synchronized TableClient createIfMissing() {
        if (table == null) {
            TableClient created = client.get();
            try {
                created.createTable();
            } catch (TableServiceException e) {
                if (e.getResponse() == null || e.getResponse().getStatusCode() != 409) {
                    throw e;
                }
            }
            table = created;
        }
        return table;
    }

    TableClient get() {
        TableClient t = table;
        return t != null ? t : createIfMissing();
    }
}
