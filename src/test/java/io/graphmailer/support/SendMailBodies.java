package io.graphmailer.support;

/** Request bodies that several test classes send. */
public final class SendMailBodies {
    private SendMailBodies() {
    }

    /** The smallest valid Graph sendMail body: one recipient, a text body. */
    public static String minimal() {
        return """
                {"message":{"subject":"s","body":{"contentType":"text","content":"c"},
                  "toRecipients":[{"emailAddress":{"address":"ops@fabrikam.example"}}]}}
                """;
    }
}
