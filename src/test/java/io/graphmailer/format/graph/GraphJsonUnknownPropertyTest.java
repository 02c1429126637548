package io.graphmailer.format.graph;

import io.graphmailer.domain.InvalidMailException;
import io.graphmailer.domain.Mailbox;
import io.graphmailer.domain.MailLimits;
import io.graphmailer.domain.Violation;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.nio.charset.StandardCharsets;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

/** One unknown-property rule for every object of the sendMail JSON, attachments included. */
class GraphJsonUnknownPropertyTest {
    private static final String TO = "\"toRecipients\":[{\"emailAddress\":{\"address\":\"a@fabrikam.example\"}}]";
    private static final String FILE = "\"@odata.type\":\"#microsoft.graph.fileAttachment\",\"name\":\"a.txt\",\"contentBytes\":\"YQ==\"";
    private final SendMailRequestParser parser = new SendMailRequestParser(MailLimits.DEFAULT);

    @ParameterizedTest(name = "{0} -> ignored")
    @CsvSource(delimiter = '|', value = {
            "@odata.context | root",
            "@odata.etag | message",
            "odata.type | message",
            "@microsoft.graph.conflictBehavior | body",
            "@odata.context | recipient",
            "@odata.context | attachment",
            "odata.mediaEditLink | attachment"})
    void givenAnODataAnnotation_thenItIsIgnoredOnEveryObject(String name, String where) {
        assertThat(parser.parse(new Mailbox("noreply@contoso.example"), body(where, name))).isNotNull();
    }

    @ParameterizedTest(name = "{0} on {1} -> refused as {2}")
    @CsvSource(delimiter = '|', value = {
            "colour | root | colour",
            "flagStatus | message | message.flagStatus",
            "colour | attachment | message.attachments[0].colour",
            "colour | recipient | message.toRecipients[0].colour",
            "@graphMailer.textAlternativ | message | message.@graphMailer.textAlternativ",
            "@graphMailer.textAlternative | body | message.body.@graphMailer.textAlternative",
            "@GraphMailer.unknown | attachment | message.attachments[0].@GraphMailer.unknown"})
    void givenAnUndeclaredNameOrAnUndeclaredGraphMailerAnnotation_thenRefusedByName(String name, String where, String field) {
        InvalidMailException e = catchThrowableOfType(() -> parser.parse(new Mailbox("noreply@contoso.example"), body(where, name)),
                InvalidMailException.class);
        assertThat(e).isNotNull();
        assertThat(e.violations()).extracting(Violation::field).contains(field);
    }

    private static byte[] body(String where, String name) {
        String extra = "\"" + name + "\":\"x\"";
        String json = switch (where) {
            case "root" -> "{" + extra + ",\"message\":{" + TO + "}}";
            case "message" -> "{\"message\":{" + extra + "," + TO + "}}";
            case "body" -> "{\"message\":{" + TO + ",\"body\":{" + extra + ",\"contentType\":\"text\",\"content\":\"x\"}}}";
            case "recipient" -> "{\"message\":{\"toRecipients\":[{" + extra + ",\"emailAddress\":{\"address\":\"a@fabrikam.example\"}}]}}";
            case "attachment" -> "{\"message\":{" + TO + ",\"attachments\":[{" + extra + "," + FILE + "}]}}";
            default -> throw new IllegalArgumentException(where);
        };
        return json.getBytes(StandardCharsets.UTF_8);
    }
}
