package io.graphmailer.format.graph;

import com.fasterxml.jackson.annotation.JsonAnySetter;
import com.fasterxml.jackson.annotation.JsonProperty;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Graph's sendMail JSON body as it arrives. Property names are matched case-insensitively,
 * booleans may be strings, and unknown properties are kept so they can be refused by name
 * ({@link #isUnknown}, the one rule for every object).
 */
public final class GraphJson {
    /** graph-mailer's own annotation namespace (OData instance annotations are {@code @namespace.term}). */
    public static final String OWN_ANNOTATIONS = "@graphMailer.";
    /** The instance annotation carrying a plain-text alternative; Graph's own JSON has no place for one. */
    public static final String TEXT_ALTERNATIVE = OWN_ANNOTATIONS + "textAlternative";

    private GraphJson() {
    }

    /**
     * The one unknown-property rule of every object in the body: a name no class here declares is unknown and refused
     * by name (Graph refuses them too), except an OData annotation ({@code @odata.context}, {@code @odata.type} where
     * not declared, any other {@code @namespace.term}, or the older spelling {@code odata.*}), which Graph ignores.
     * graph-mailer's own namespace {@value #OWN_ANNOTATIONS} is not ignored: only its declared names are accepted,
     * so a misspelled one is refused rather than silently dropped (docs/adr/0007).
     */
    static boolean isUnknown(String name) {
        if (name.regionMatches(true, 0, OWN_ANNOTATIONS, 0, OWN_ANNOTATIONS.length())) {
            return true;
        }
        return !name.startsWith("@") && !name.toLowerCase(Locale.ROOT).startsWith("odata.");
    }

    /** Remembers unknown properties (per {@link #isUnknown}) for a clear 400 rather than silently dropping them. */
    public abstract static class Strict {
        public final List<String> unknown = new ArrayList<>();

        @JsonAnySetter
        public void other(String name, Object ignored) {
            if (isUnknown(name)) {
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

    public static final class AttachmentJson extends Strict {
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
    }
}
