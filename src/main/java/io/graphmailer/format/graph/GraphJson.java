package io.graphmailer.format.graph;

import com.fasterxml.jackson.annotation.JsonAnySetter;
import com.fasterxml.jackson.annotation.JsonProperty;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Graph's sendMail JSON body as it arrives. Property names are matched case-insensitively,
 * booleans may be strings, and unknown properties are kept so they can be refused by name
 * (Graph refuses them too), except OData annotations such as {@code @odata.type}.
 */
public final class GraphJson {
    /** The instance annotation carrying a plain-text alternative; Graph's own JSON has no place for one. */
    public static final String TEXT_ALTERNATIVE = "@graphMailer.textAlternative";

    private GraphJson() {
    }

    /** Remembers unknown properties for a clear 400 rather than silently dropping them. */
    public abstract static class Strict {
        public final List<String> unknown = new ArrayList<>();

        @JsonAnySetter
        public void other(String name, Object ignored) {
            if (!name.startsWith("@") && !name.toLowerCase(Locale.ROOT).startsWith("odata.")) {
                unknown.add(name);
            }
        }
    }

    public static final class SendMailRequest extends Strict {
        public Message message;
        public Boolean saveToSentItems;
    }

    public static final class Message extends Strict {
        public String subject;
        public ItemBody body;
        public List<Recipient> toRecipients;
        public List<Recipient> ccRecipients;
        public List<Recipient> bccRecipients;
        public List<Recipient> replyTo;
        public Recipient from;
        /** Graph's sender: the mailbox that sends on behalf of {@code from}. */
        public Recipient sender;
        public String importance;
        public List<HeaderJson> internetMessageHeaders;
        public List<AttachmentJson> attachments;
        public List<String> categories;
        public Boolean isDeliveryReceiptRequested;
        public Boolean isReadReceiptRequested;
        public Boolean hasAttachments; // read-only in Graph; accepted and ignored like Graph does
        /** graph-mailer's extension: a plain-text alternative to an HTML body (sent as multipart/alternative). */
        @JsonProperty(TEXT_ALTERNATIVE)
        public String textAlternative;
    }

    public static final class ItemBody extends Strict {
        public String contentType;
        public String content;
    }

    public static final class Recipient extends Strict {
        public EmailAddressJson emailAddress;
    }

    public static final class EmailAddressJson extends Strict {
        public String address;
        public String name;
    }

    public static final class HeaderJson extends Strict {
        public String name;
        public String value;
    }

    public static final class AttachmentJson {
        @JsonProperty("@odata.type")
        public String odataType;
        public String name;
        public String contentType;
        public String contentBytes;
        /**
         * graph-mailer's attachment by reference: the URL of a blob in an allowed container, instead of contentBytes.
         * Graph defines this fileAttachment property but does not use it (docs/adr/0004).
         */
        public String contentLocation;
        public Boolean isInline;
        public String contentId;
        public Integer size; // read-only in Graph; ignored
        public final List<String> unknown = new ArrayList<>();

        @JsonAnySetter
        public void other(String name, Object ignored) {
            if (!name.startsWith("@")) {
                unknown.add(name);
            }
        }
    }
}
