package io.graphmailer.domain.delivery;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;

/** NDR bodies in the layouts Exchange Online writes (fixtures in src/test/resources/ndr): tracking id and status code. */
public class NonDeliveryReportTest {
    private static final String ID = "6f1c2a3b-4d5e-4f60-8a7b-9c0d1e2f3a4b";

    public static String fixture(String name, String messageId, String sender) {
        try (InputStream in = NonDeliveryReportTest.class.getResourceAsStream("/ndr/" + name)) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8).replace("{{MESSAGE_ID}}", messageId)
                    .replace("{{SENDER}}", sender);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    @Test
    void givenARecipientNotFoundReport_thenItsOriginalMessageIdAndStatus511() {
        Optional<NonDeliveryReport.Bounce> b = NonDeliveryReport.read(fixture("exchange-online-5.1.1-recipient-not-found.html",
                ID.toUpperCase() + "@contoso.example", "billing@contoso.example"));
        assertThat(b).contains(new NonDeliveryReport.Bounce(ID, "5.1.1"));
    }

    @Test
    void givenADailyLimitReport_thenStatus5190AndNotTheInReplyToId() {
        Optional<NonDeliveryReport.Bounce> b = NonDeliveryReport.read(fixture("exchange-online-5.1.90-sending-limit.html",
                ID + "@contoso.example", "digest@contoso.example"));
        assertThat(b).contains(new NonDeliveryReport.Bounce(ID, "5.1.90"));
    }

    @Test
    void givenAReportOfAMessageGraphMailerDidNotName_thenNothing() {
        assertThat(NonDeliveryReport.read(fixture("exchange-online-5.1.1-recipient-not-found.html",
                "AM7PR02MB6100A1B2@eurprd02.prod.outlook.com", "someone@contoso.example"))).isEmpty();
        assertThat(NonDeliveryReport.read("<p>Hello, see Message-ID: &lt;" + ID + "@contoso.example&gt; (version 10.4.1.2)</p>"))
                .as("no status code: not a report").isEmpty();
        assertThat(NonDeliveryReport.read(null)).isEmpty();
    }
}
