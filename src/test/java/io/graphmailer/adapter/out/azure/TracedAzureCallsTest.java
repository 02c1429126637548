package io.graphmailer.adapter.out.azure;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** The routes storage and Key Vault spans carry: names, keys and ids replaced, Azurite's account segment dropped. */
class TracedAzureCallsTest {

    @Test
    void givenQueueTableAndBlobPaths_thenTheirRoutesNameNoMessageEntityOrBlob() {
        assertThat(TracedAzureCalls.route("/devstoreaccount1/gm-main/messages/0b8a-1", "queue", "gm-main")).isEqualTo("/{queue}/messages/{id}");
        assertThat(TracedAzureCalls.route("/gm-main/messages", "queue", "gm-main")).isEqualTo("/{queue}/messages");
        assertThat(TracedAzureCalls.route("/ledger(PartitionKey='mailer%40contoso.test',RowKey='order-1')", "table", "ledger"))
                .isEqualTo("/{table}({keys})");
        assertThat(TracedAzureCalls.route("/devstoreaccount1/ledger()", "table", "ledger")).isEqualTo("/{table}()");
        assertThat(TracedAzureCalls.route("/devstoreaccount1/Tables", "table", "ledger")).isEqualTo("/Tables");
        assertThat(TracedAzureCalls.route("/attachments/2026/12/report-for-ceo.pdf", "blob", "attachments")).isEqualTo("/{container}/{blob}");
    }

    @Test
    void givenKeyVaultPaths_thenNamesAndVersionsAreReplaced() {
        assertThat(TracedAzureCalls.route("/secrets/graph-mailer-cert/", "secrets", null)).isEqualTo("/secrets/{name}");
        assertThat(TracedAzureCalls.route("/secrets/graph-mailer-cert/0920dcd9e7d8422da4250637fd65bdfb", "secrets", null))
                .isEqualTo("/secrets/{name}/{version}");
        assertThat(TracedAzureCalls.route("/keys/token-cache/abc123/wrapkey", "keys", null)).isEqualTo("/keys/{name}/{version}/wrapkey");
    }
}
