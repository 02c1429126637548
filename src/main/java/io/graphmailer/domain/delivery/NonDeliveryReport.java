package io.graphmailer.domain.delivery;

import java.util.Locale;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads a non-delivery report as Exchange writes it (an HTML or text body with "Diagnostic information for
 * administrators" and the original message's headers): which graph-mailer message it answers, by the tracking id in the
 * original {@code Message-ID} ({@code <tracking-id@domain>}), and its enhanced status code (RFC 3463, e.g. {@code 5.1.1},
 * {@code 5.1.90}).
 */
public final class NonDeliveryReport {
    private static final String GUID = "[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}";
    /** The original headers' Message-ID line; in HTML the angle brackets are escaped and tags may sit in between. */
    private static final Pattern MESSAGE_ID = Pattern.compile(
            "Message-ID:\\s*(?:<[a-zA-Z/][^>]*>\\s*)*(?:&lt;|<)(" + GUID + ")@", Pattern.CASE_INSENSITIVE);
    /** The SMTP reply with its enhanced code, as in "Remote Server returned '550 5.1.1 RESOLVER.ADR.RecipNotFound'". */
    private static final Pattern REPLY_CODE = Pattern.compile("(?<![\\d.])[45]\\d\\d[ -]([45]\\.\\d{1,3}\\.\\d{1,3})(?![\\d.])");
    private static final Pattern ANY_CODE = Pattern.compile("(?<![\\d.])([45]\\.\\d{1,3}\\.\\d{1,3})(?![\\d.])");

    /** The message it answers and why. */
    public record Bounce(String trackingId, String statusCode) {
    }

    private NonDeliveryReport() {
    }

    /** Empty when the text names no graph-mailer message or carries no permanent or transient status code. */
    public static Optional<Bounce> read(String body) {
        if (body == null) {
            return Optional.empty();
        }
        Matcher id = MESSAGE_ID.matcher(body);
        if (!id.find()) {
            return Optional.empty();
        }
        Matcher code = REPLY_CODE.matcher(body);
        String status = code.find() ? code.group(1) : null;
        if (status == null) {
            Matcher any = ANY_CODE.matcher(body);
            status = any.find() ? any.group(1) : null;
        }
        return status == null ? Optional.empty() : Optional.of(new Bounce(id.group(1).toLowerCase(Locale.ROOT), status));
    }
}
