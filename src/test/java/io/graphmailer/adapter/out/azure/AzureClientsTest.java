package io.graphmailer.adapter.out.azure;

import io.graphmailer.config.GraphMailerConfig;
import org.junit.jupiter.api.Test;

import java.util.Map;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The storage clients: a connection string locally, else the endpoint (with the credential); each built once per name. */
class AzureClientsTest {
    private static final String AZURITE = "DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;"
            + "AccountKey=Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==;"
            + "QueueEndpoint=http://127.0.0.1:10001/devstoreaccount1;TableEndpoint=http://127.0.0.1:10002/devstoreaccount1;";

    private static GraphMailerConfig.Storage storage(String connectionString) {
        return storage(connectionString, java.time.Duration.ofSeconds(5));
    }

    static GraphMailerConfig.Storage storage(String connectionString, java.time.Duration timeout) {
        return new GraphMailerConfig.Storage() {
            @Override
            public java.time.Duration timeout() {
                return timeout;
            }

            @Override
            public Optional<String> connectionString() {
                return Optional.ofNullable(connectionString);
            }

            @Override
            public Optional<String> queueEndpoint() {
                return Optional.empty();
            }

            @Override
            public Optional<String> tableEndpoint() {
                return Optional.empty();
            }

            @Override
            public String ledgerTable() {
                return "ledger";
            }
        };
    }

    @Test
    void givenAConnectionString_thenEachQueueAndTableClientIsBuiltOnceWithoutANetworkCall() {
        AzureClients azure = new AzureClients(storage(AZURITE), Optional.empty(), Map.of());

        assertThat(azure.queue("outbox")).isSameAs(azure.queue("outbox"));
        assertThat(azure.queue("outbox").getQueueName()).isEqualTo("outbox");
        assertThat(azure.queue("outbox-poison")).isNotSameAs(azure.queue("outbox"));
        assertThat(azure.table("ledger")).isSameAs(azure.table("ledger"));
        assertThat(azure.table("ledger").getTableName()).isEqualTo("ledger");
    }

    @Test
    void givenNeitherConnectionStringNorEndpoint_thenTheSettingToSetIsNamed() {
        AzureClients azure = new AzureClients(storage(null), Optional.empty(), Map.of());

        assertThatThrownBy(() -> azure.queue("outbox")).isInstanceOf(IllegalStateException.class)
                .hasMessage("the outbox queue needs GRAPH_MAILER_STORAGE_QUEUE_ENDPOINT (or a connection string locally)");
        assertThatThrownBy(() -> azure.table("ledger")).isInstanceOf(IllegalStateException.class)
                .hasMessage("the send ledger needs GRAPH_MAILER_STORAGE_TABLE_ENDPOINT (or a connection string locally)");
    }

    @Test
    void givenATableEndpointThatAcceptsButNeverAnswers_thenARequestFailsAfterItsTimeoutAndTwoRetriesInsteadOfHanging() throws Exception {
        // A black hole on loopback: connections are accepted, nothing is ever answered.
        try (java.net.ServerSocket hole = new java.net.ServerSocket(0, 50, java.net.InetAddress.getLoopbackAddress())) {
            java.util.List<java.net.Socket> held = new java.util.concurrent.CopyOnWriteArrayList<>();
            Thread acceptor = new Thread(() -> {
                try {
                    while (true) {
                        held.add(hole.accept());
                    }
                } catch (java.io.IOException closed) {
                    // the test is over
                }
            });
            acceptor.setDaemon(true);
            acceptor.start();
            String connection = AZURITE.replace("TableEndpoint=http://127.0.0.1:10002/", "TableEndpoint=http://127.0.0.1:" + hole.getLocalPort() + "/");
            AzureClients azure = new AzureClients(storage(connection, java.time.Duration.ofSeconds(1)), Optional.empty(), Map.of());
            // With the SDK's defaults (60 s per try, 4 tries) this would take minutes; the guard is far above 3 x 1 s.
            org.junit.jupiter.api.Assertions.assertTimeoutPreemptively(java.time.Duration.ofSeconds(45), () ->
                    assertThatThrownBy(() -> azure.table("ledger").getEntity("p", "r")).isInstanceOf(RuntimeException.class));
            assertThat(held).as("the first try and two retries").hasSize(3);
            for (java.net.Socket s : held) {
                s.close();
            }
        }
    }
}
