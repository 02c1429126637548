package io.graphmailer.support;

import jakarta.mail.Session;
import jakarta.mail.internet.MimeMessage;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.Properties;
import java.util.stream.Stream;

/** The test profile's outbox folder, read back with a real MIME parser. */
public final class Outbox {
    public static final Path DIR = Path.of("target/test-outbox");

    private Outbox() {
    }

    public static void clear() {
        try {
            if (Files.exists(DIR)) {
                try (Stream<Path> files = Files.list(DIR)) {
                    for (Path p : files.toList()) {
                        Files.delete(p);
                    }
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static List<Path> files() {
        try {
            if (!Files.exists(DIR)) {
                return List.of();
            }
            try (Stream<Path> files = Files.list(DIR)) {
                return files.filter(p -> p.toString().endsWith(".eml")).sorted(Comparator.naturalOrder()).toList();
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static MimeMessage only() {
        List<Path> files = files();
        if (files.size() != 1) {
            throw new AssertionError("expected exactly one message in the outbox, found " + files.size());
        }
        return read(files.get(0));
    }

    public static MimeMessage read(Path file) {
        try (InputStream in = Files.newInputStream(file)) {
            MimeMessage m = new MimeMessage(Session.getInstance(new Properties()), in);
            m.getAllHeaders(); // force the parse while the stream is open
            m.getContent();
            return m;
        } catch (Exception e) {
            throw new IllegalStateException("cannot parse " + file, e);
        }
    }
}
