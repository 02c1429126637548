package io.graphmailer.bench.sdk;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.microsoft.graph.core.requests.GraphClientFactory;
import com.microsoft.graph.core.requests.options.GraphClientOption;
import com.microsoft.graph.models.BodyType;
import com.microsoft.graph.models.EmailAddress;
import com.microsoft.graph.models.ItemBody;
import com.microsoft.graph.models.Message;
import com.microsoft.graph.models.Recipient;
import com.microsoft.graph.serviceclient.GraphServiceClient;
import com.microsoft.graph.users.item.sendmail.SendMailPostRequestBody;
import com.microsoft.kiota.RequestInformation;
import com.microsoft.kiota.authentication.AnonymousAuthenticationProvider;
import okhttp3.MediaType;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.RequestBody;

import java.lang.management.ManagementFactory;
import java.util.List;
import java.util.Map;

/**
 * Builds graph-mailer's first sendMail request without sending it, in a fresh JVM, and prints
 * {@code <mode> <ms since JVM start> <ms in main> <loaded classes>} on one line.
 * {@code core}: graph-core's OkHttp client, a Jackson body and an OkHttp request (what GraphMailSender does);
 * run it WITHOUT the microsoft-graph jar on the class path.
 * {@code full}: {@code GraphServiceClient}, the generated models and Kiota's serializer, converted to the
 * same OkHttp request by the SDK's request adapter.
 */
public final class FirstRequest {
    private static final String URL = "https://graph.microsoft.com/v1.0/users/mailer@contoso.test/sendMail";

    private FirstRequest() {
    }

    public static void main(String[] args) throws Exception {
        long started = System.nanoTime();
        String mode = args.length > 0 ? args[0] : "core";
        Request request = switch (mode) {
            case "core" -> core();
            case "full" -> full();
            default -> throw new IllegalArgumentException("mode core or full");
        };
        if (request.body() == null || request.body().contentLength() <= 0 || !request.url().toString().endsWith("/sendMail")) {
            throw new IllegalStateException("no request was built");
        }
        long inMain = (System.nanoTime() - started) / 1_000_000;
        long sinceStart = ManagementFactory.getRuntimeMXBean().getUptime();
        int classes = ManagementFactory.getClassLoadingMXBean().getLoadedClassCount();
        System.out.println(mode + " " + sinceStart + " " + inMain + " " + classes);
    }

    private static Request core() throws Exception {
        OkHttpClient http = GraphClientFactory.create(new GraphClientOption()).build();
        Map<String, Object> body = Map.of("message", Map.of(
                "subject", "bench",
                "body", Map.of("contentType", "Text", "content", "hello"),
                "toRecipients", List.of(Map.of("emailAddress", Map.of("address", "bob@contoso.test")))),
                "saveToSentItems", true);
        byte[] json = new ObjectMapper().writeValueAsBytes(body);
        Request request = new Request.Builder().url(URL)
                .post(RequestBody.create(json, MediaType.get("application/json"))).build();
        return http.newCall(request).request();
    }

    private static Request full() throws Exception {
        GraphServiceClient client = new GraphServiceClient(new AnonymousAuthenticationProvider());
        Message message = new Message();
        message.setSubject("bench");
        ItemBody body = new ItemBody();
        body.setContentType(BodyType.Text);
        body.setContent("hello");
        message.setBody(body);
        EmailAddress address = new EmailAddress();
        address.setAddress("bob@contoso.test");
        Recipient recipient = new Recipient();
        recipient.setEmailAddress(address);
        message.setToRecipients(List.of(recipient));
        SendMailPostRequestBody sendMail = new SendMailPostRequestBody();
        sendMail.setMessage(message);
        sendMail.setSaveToSentItems(true);
        RequestInformation info = client.users().byUserId("mailer@contoso.test").sendMail().toPostRequestInformation(sendMail);
        return client.getRequestAdapter().convertToNativeRequest(info);
    }
}
