package io.graphmailer.adapter.out.graph;

import okhttp3.HttpUrl;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** The routes Graph spans carry: the mailbox, ids and the query string (filters, an upload session's token) left out. */
class GraphCallSpansTest {

    private static String route(String url) {
        return GraphCallSpans.route(HttpUrl.get(url));
    }

    @Test
    void givenGraphUrls_thenRoutesHoldNoMailboxIdOrQuery() {
        assertThat(route("https://graph.microsoft.com/v1.0/users/mailer%40contoso.test/sendMail")).isEqualTo("/v1.0/users/{mailbox}/sendMail");
        assertThat(route("https://graph.microsoft.com/v1.0/me/sendMail")).isEqualTo("/v1.0/me/sendMail");
        assertThat(route("https://graph.microsoft.com/v1.0/users/mailer%40contoso.test/messages/AAMkAGI2=/attachments/createUploadSession"))
                .isEqualTo("/v1.0/users/{mailbox}/messages/{id}/attachments/createUploadSession");
        assertThat(route("https://graph.microsoft.com/v1.0/users/mailer%40contoso.test/mailFolders/sentitems/messages?$filter=internetMessageId%20eq%20'x'"))
                .isEqualTo("/v1.0/users/{mailbox}/mailFolders/sentitems/messages");
        assertThat(route("https://outlook.office.com/api/v2.0/Users('00000000-0000')/Messages('AAMk')/AttachmentSessions('AAMk')?authtoken=eyJ0eXAi"))
                .isEqualTo("/api/v2.0/Users({id})/Messages({id})/AttachmentSessions({id})");
    }
}
