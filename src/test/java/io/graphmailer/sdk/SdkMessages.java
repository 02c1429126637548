package io.graphmailer.sdk;

import com.microsoft.graph.models.BodyType;
import com.microsoft.graph.models.EmailAddress;
import com.microsoft.graph.models.ItemBody;
import com.microsoft.graph.models.Message;
import com.microsoft.graph.models.Recipient;
import com.microsoft.graph.users.item.sendmail.SendMailPostRequestBody;

import java.util.LinkedList;
import java.util.List;

/** Messages built with the Graph Java SDK's own models, as an SDK user writes them. */
final class SdkMessages {
    private SdkMessages() {
    }

    static Recipient recipient(String address) {
        Recipient r = new Recipient();
        EmailAddress e = new EmailAddress();
        e.setAddress(address);
        r.setEmailAddress(e);
        return r;
    }

    static LinkedList<Recipient> recipients(String... addresses) {
        return new LinkedList<>(List.of(addresses).stream().map(SdkMessages::recipient).toList());
    }

    static ItemBody body(BodyType type, String content) {
        ItemBody b = new ItemBody();
        b.setContentType(type);
        b.setContent(content);
        return b;
    }

    static SendMailPostRequestBody request(Message message, Boolean saveToSentItems) {
        SendMailPostRequestBody body = new SendMailPostRequestBody();
        body.setMessage(message);
        body.setSaveToSentItems(saveToSentItems);
        return body;
    }

    /** A text message to {@code to}, not saved to Sent Items. */
    static SendMailPostRequestBody text(String subject, String content, String... to) {
        Message m = new Message();
        m.setSubject(subject);
        m.setBody(body(BodyType.Text, content));
        m.setToRecipients(recipients(to));
        return request(m, false);
    }
}
