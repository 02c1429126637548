package io.graphmailer.adapter.out.mime;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.regex.Pattern;

/**
 * Header values folded so that no generated line exceeds RFC 5322's 998 characters (2.1.1), and 78 wherever the
 * text allows. Jakarta Mail folds only at whitespace and leaves ASCII text unencoded, so a long word (a 5,000-character
 * subject without spaces) stayed one line; here such text becomes RFC 2047 encoded words, each at most 75 characters,
 * one per folded line if need be.
 */
final class HeaderText {
    static final int SOFT_LIMIT = 78;
    static final int HARD_LIMIT = 998;
    /** "=?UTF-8?B?" + 60 base64 characters + "?=" = 72: 45 bytes per word. */
    private static final int BYTES_PER_WORD = 45;
    private static final Pattern PRINTABLE = Pattern.compile("[\\x20-\\x7e\\t]*");
    private static final Pattern PHRASE = Pattern.compile("[A-Za-z0-9!#$%&'*+/=?^_`{|}~\\-]+( [A-Za-z0-9!#$%&'*+/=?^_`{|}~\\-]+)*");

    private HeaderText() {
    }

    /** Unstructured text (Subject, x- headers) for a header named {@code name}. */
    static String unstructured(String name, String value) {
        if (value.isEmpty()) {
            return value;
        }
        List<String> segments = rawSegments(value);
        if (segments == null) {
            return layout(name.length() + 2, encodedWords(value), " ");
        }
        return layout(name.length() + 2, segments, "");
    }

    /** A Keywords value: the categories as comma-separated phrases, each raw or as encoded words. */
    static String keywords(List<String> categories) {
        List<String> tokens = new ArrayList<>();
        for (int i = 0; i < categories.size(); i++) {
            String c = categories.get(i);
            if (c.isEmpty()) {
                continue; // nothing to name; an empty phrase would leave a bare comma
            }
            List<String> words = c.length() < SOFT_LIMIT - 10 && PHRASE.matcher(c).matches() ? new ArrayList<>(List.of(c)) : encodedWords(c);
            if (!tokens.isEmpty()) {
                tokens.set(tokens.size() - 1, tokens.get(tokens.size() - 1) + ",");
            }
            tokens.addAll(words);
        }
        return layout("Keywords".length() + 2, tokens, " ");
    }

    /**
     * The value cut before each run of whitespace, so folding (CRLF before a whitespace) keeps it exactly; null when
     * it cannot stay raw: non-ASCII, controls, something that reads as an encoded word, or a segment too long to fold.
     */
    private static List<String> rawSegments(String value) {
        if (!PRINTABLE.matcher(value).matches() || value.contains("=?")) {
            return null;
        }
        List<String> segments = new ArrayList<>();
        int start = 0;
        int i = 0;
        while (i < value.length()) {
            int wsp = i;
            while (i < value.length() && isWsp(value.charAt(i))) {
                i++;
            }
            while (i < value.length() && !isWsp(value.charAt(i))) {
                i++;
            }
            if (wsp > start) {
                segments.add(value.substring(start, wsp));
                start = wsp;
            }
        }
        segments.add(value.substring(start));
        for (String s : segments) {
            if (s.length() > SOFT_LIMIT - 1) {
                return null;
            }
        }
        return segments;
    }

    private static boolean isWsp(char c) {
        return c == ' ' || c == '\t';
    }

    /** RFC 2047 "B" words of at most 75 characters, never splitting a character's UTF-8 bytes. */
    static List<String> encodedWords(String value) {
        List<String> words = new ArrayList<>();
        StringBuilder chunk = new StringBuilder();
        int bytes = 0;
        for (int i = 0; i < value.length(); ) {
            int cp = value.codePointAt(i);
            int n = new String(Character.toChars(cp)).getBytes(StandardCharsets.UTF_8).length;
            if (bytes + n > BYTES_PER_WORD) {
                words.add(word(chunk.toString()));
                chunk.setLength(0);
                bytes = 0;
            }
            chunk.appendCodePoint(cp);
            bytes += n;
            i += Character.charCount(cp);
        }
        if (chunk.length() > 0) {
            words.add(word(chunk.toString()));
        }
        return words;
    }

    private static String word(String text) {
        return "=?UTF-8?B?" + Base64.getEncoder().encodeToString(text.getBytes(StandardCharsets.UTF_8)) + "?=";
    }

    /**
     * Lays the tokens out after a header name taking {@code column} characters: a token goes on the current line when
     * it fits in 78, else on a new folded line. {@code separator} is what goes between tokens on one line (raw
     * segments carry their own whitespace). The first token moves to a folded line only when it would pass 998.
     */
    private static String layout(int column, List<String> tokens, String separator) {
        StringBuilder out = new StringBuilder();
        int col = column;
        for (int i = 0; i < tokens.size(); i++) {
            String t = tokens.get(i);
            boolean first = i == 0;
            int needed = (first ? 0 : separator.length()) + t.length();
            boolean fold = first ? col + t.length() > HARD_LIMIT : col + needed > SOFT_LIMIT;
            if (fold) {
                // a raw segment starts with its whitespace; an encoded word needs one
                out.append("\r\n");
                String lead = t.isEmpty() || !isWsp(t.charAt(0)) ? " " : "";
                out.append(lead).append(t);
                col = lead.length() + t.length();
            } else {
                if (!first) {
                    out.append(separator);
                }
                out.append(t);
                col += needed;
            }
        }
        return out.toString();
    }
}
