package io.graphmailer.adapter.out.smtp;

import com.azure.storage.blob.BlobContainerClient;
import com.azure.storage.blob.BlobContainerClientBuilder;
import io.graphmailer.standin.SmtpStandin;
import io.graphmailer.standin.Standins;
import io.graphmailer.support.Azurite;
import io.graphmailer.support.AzuriteResource;
import io.graphmailer.support.BlobAttachmentsResource;
import io.graphmailer.support.SmtpStandinsResource;
import io.graphmailer.support.TestTokens;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import jakarta.mail.BodyPart;
import jakarta.mail.Multipart;
import jakarta.mail.Session;
import jakarta.mail.internet.MimeMessage;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.Properties;
import java.util.Random;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;

/** An attachment by reference over SMTP: the blob is streamed into the MIME body the SMTP server receives. */
@QuarkusTest
@WithTestResource(value = SmtpStandinsResource.class, initArgs = @ResourceArg(name = "purpose", value = "smtp-blob"))
@WithTestResource(value = AzuriteResource.class, initArgs = @ResourceArg(name = "name", value = "smtpblob"))
@WithTestResource(BlobAttachmentsResource.class)
class SmtpLargeAttachmentTest {
    private BlobContainerClient container;

    @BeforeEach
    void setUp() {
        Standins.shared().reset();
        new SmtpStandinsResource().prepare(Standins.shared());
        container = new BlobContainerClientBuilder().connectionString(Azurite.shared().connectionString())
                .containerName(BlobAttachmentsResource.CONTAINER).buildClient();
        container.createIfNotExists();
    }

    @Test
    void givenABlobReferenceForAnSmtpMailbox_thenItsBytesArriveAsAnAttachment() throws Exception {
        byte[] bytes = new byte[5 * 1024 * 1024 + 3];
        new Random(42).nextBytes(bytes);
        container.getBlobClient("smtp/report.bin").upload(new ByteArrayInputStream(bytes), bytes.length, true);
        String body = """
                {"message":{"subject":"report","body":{"contentType":"text","content":"see attached"},
                  "toRecipients":[{"emailAddress":{"address":"ops@fabrikam.example"}}],
                  "attachments":[{"@odata.type":"#microsoft.graph.fileAttachment","name":"report.bin",
                    "contentType":"application/octet-stream","contentLocation":"%s"}]}}
                """.formatted(BlobAttachmentsResource.containerUrl() + "smtp/report.bin");

        given().header("Authorization", TestTokens.bearer()).contentType(ContentType.JSON).body(body)
                .when().post("/api/users/" + Standins.MAILBOX + "/sendMail")
                .then().statusCode(202);

        assertThat(SmtpStandin.shared().received()).hasSize(1);
        MimeMessage received = new MimeMessage(Session.getInstance(new Properties()),
                new ByteArrayInputStream(SmtpStandin.shared().received().get(0).data()));
        Multipart mixed = (Multipart) received.getContent();
        BodyPart attachment = mixed.getBodyPart(1);
        assertThat(attachment.getFileName()).isEqualTo("report.bin");
        try (InputStream in = attachment.getInputStream()) {
            assertThat(sha256(in.readAllBytes())).isEqualTo(sha256(bytes));
        }
        assertThat(Standins.shared().graph().sendMailRequests()).isZero();
    }

    private static String sha256(byte[] data) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(data));
    }
}
