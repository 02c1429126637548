package io.graphmailer.adapter.in.cli;

import io.graphmailer.application.port.in.DeadLetterUseCase;
import io.graphmailer.application.port.in.DeadLetterUseCase.Selection;
import io.graphmailer.domain.deadletter.DeadLetterEntry;
import io.graphmailer.domain.deadletter.DeadLetterFilter;
import io.graphmailer.domain.deadletter.DeadLetterPage;
import io.graphmailer.domain.deadletter.DeadLetterReport;
import jakarta.inject.Singleton;

import java.io.PrintStream;
import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * {@code graph-mailer deadletter list|show|replay|purge ...}: the dead-letter operations of {@code /api/deadletter} for an
 * operator with the deployment's settings (and so its storage access) in a terminal. Exit codes: 0 done, 1 something
 * failed or was not found, 2 a usage error.
 */
@Singleton
public class DeadLetterCommand {
    public static final String NAME = "deadletter";
    static final String USAGE = """
            usage: graph-mailer deadletter list  [filters] [--offset=N] [--limit=N]
                   graph-mailer deadletter show  ID
                   graph-mailer deadletter replay (ID... | filters | --all) [--dry-run]
                   graph-mailer deadletter purge  (ID... | filters | --all) [--dry-run]
            filters: --queue=deadletter|poison --code=CODE --mailbox=ADDRESS --older-than=PT1H --newer-than=P2D
            """;
    private static final Set<String> VALUED = Set.of("--queue", "--code", "--mailbox", "--older-than", "--newer-than", "--offset", "--limit");
    private static final Set<String> FLAGS = Set.of("--all", "--dry-run");

    private final DeadLetterUseCase deadLetters;

    DeadLetterCommand(DeadLetterUseCase deadLetters) {
        this.deadLetters = deadLetters;
    }

    /** A usage error, naming the argument. */
    static final class Usage extends RuntimeException {
        Usage(String message) {
            super(message, null, false, false);
        }
    }

    private record Args(String verb, List<String> ids, Map<String, String> options, Set<String> flags) {
    }

    /** @param options the arguments after {@value #NAME} */
    public int run(List<String> options, PrintStream out) {
        Args args;
        DeadLetterFilter filter;
        int offset;
        int limit;
        try {
            args = parse(options);
            filter = filter(args.options());
            offset = number(args.options(), "--offset", 0, 0);
            limit = number(args.options(), "--limit", 50, 1);
        } catch (Usage e) {
            out.println("error: " + e.getMessage());
            out.print(USAGE);
            return 2;
        }
        boolean dryRun = args.flags().contains("--dry-run");
        switch (args.verb()) {
            case "list" -> {
                DeadLetterPage page = deadLetters.list(filter, offset, limit);
                out.printf("%-36s %-10s %-22s %-32s %-20s %s%n", "ID", "QUEUE", "CODE", "MAILBOX", "KEPT AT", "TRACKING ID");
                for (DeadLetterEntry e : page.entries()) {
                    out.printf("%-36s %-10s %-22s %-32s %-20s %s%n", e.id(), e.queue().wireName(), e.code(), nullText(e.mailbox()),
                            e.keptAt().truncatedTo(java.time.temporal.ChronoUnit.SECONDS), nullText(e.trackingId()));
                }
                out.println(page.total() + " matching" + (page.nextOffset() != null ? "; next page: --offset=" + page.nextOffset() : "")
                        + (page.complete() ? "" : " (scan limit reached: more entries exist)"));
                return 0;
            }
            case "show" -> {
                if (args.ids().size() != 1) {
                    out.println("error: show takes one ID");
                    return 2;
                }
                Optional<DeadLetterEntry> entry = deadLetters.show(args.ids().get(0));
                if (entry.isEmpty()) {
                    out.println("no dead-letter or poison entry has the id " + args.ids().get(0));
                    return 1;
                }
                DeadLetterEntry e = entry.get();
                out.println("id:              " + e.id());
                out.println("queue:           " + e.queue().wireName());
                out.println("code:            " + e.code());
                out.println("reason:          " + e.reason());
                out.println("kept at:         " + e.keptAt());
                out.println("mailbox:         " + nullText(e.mailbox()));
                out.println("idempotency key: " + nullText(e.idempotencyKey()));
                out.println("tracking id:     " + nullText(e.trackingId()));
                out.println("original:        " + e.original());
                return 0;
            }
            case "replay", "purge" -> {
                Selection selection = selection(args, filter);
                if (selection == null) {
                    out.println("error: name IDs, a filter, or --all");
                    out.print(USAGE);
                    return 2;
                }
                DeadLetterReport r = "replay".equals(args.verb())
                        ? deadLetters.replay(selection, "cli:" + System.getProperty("user.name", "operator"), dryRun)
                        : deadLetters.purge(selection, dryRun);
                String did = "replay".equals(args.verb()) ? "replayed" : "purged";
                out.println((dryRun ? "dry run: would have " + did : did) + " " + r.done() + " of " + r.matched() + " matching"
                        + "; skipped (taken by another operator): " + r.skipped() + "; failed (put back): " + r.failed()
                        + (r.complete() ? "" : "; scan limit reached: run again for the rest"));
                r.ids().forEach(id -> out.println("  " + id));
                return r.failed() > 0 || (!args.ids().isEmpty() && r.matched() < args.ids().size()) ? 1 : 0;
            }
            default -> {
                out.println("error: unknown deadletter command '" + args.verb() + "'");
                out.print(USAGE);
                return 2;
            }
        }
    }

    private static Selection selection(Args args, DeadLetterFilter filter) {
        if (!args.ids().isEmpty()) {
            return new Selection(Set.copyOf(args.ids()), DeadLetterFilter.ALL);
        }
        if (filter.matchesAll() && !args.flags().contains("--all")) {
            return null;
        }
        return Selection.byFilter(filter);
    }

    static Args parse(List<String> options) {
        if (options.isEmpty()) {
            throw new Usage("name a command: list, show, replay or purge");
        }
        List<String> ids = new ArrayList<>();
        Map<String, String> valued = new HashMap<>();
        Set<String> flags = new java.util.HashSet<>();
        for (String a : options.subList(1, options.size())) {
            if (a.startsWith("--")) {
                int eq = a.indexOf('=');
                String name = eq < 0 ? a : a.substring(0, eq);
                if (FLAGS.contains(name) && eq < 0) {
                    flags.add(name);
                } else if (VALUED.contains(name) && eq > 0) {
                    valued.put(name, a.substring(eq + 1));
                } else {
                    throw new Usage("unknown option " + a);
                }
            } else {
                ids.add(a);
            }
        }
        return new Args(options.get(0), ids, valued, flags);
    }

    static DeadLetterFilter filter(Map<String, String> o) {
        Optional<DeadLetterEntry.Kept> queue;
        try {
            queue = Optional.ofNullable(o.get("--queue")).map(DeadLetterEntry.Kept::fromWire);
        } catch (IllegalArgumentException e) {
            throw new Usage("--queue: " + e.getMessage());
        }
        return new DeadLetterFilter(queue, Optional.ofNullable(o.get("--code")), Optional.ofNullable(o.get("--mailbox")),
                duration(o, "--older-than"), duration(o, "--newer-than"));
    }

    private static Optional<Duration> duration(Map<String, String> o, String name) {
        String text = o.get(name);
        if (text == null) {
            return Optional.empty();
        }
        try {
            Duration d = Duration.parse(text);
            if (d.isNegative()) {
                throw new Usage(name + " must not be negative");
            }
            return Optional.of(d);
        } catch (DateTimeParseException e) {
            throw new Usage(name + " must be an ISO-8601 duration, e.g. PT30M, PT6H or P2D");
        }
    }

    private static int number(Map<String, String> o, String name, int fallback, int min) {
        String text = o.get(name);
        try {
            int n = text == null ? fallback : Integer.parseInt(text);
            if (n < min) {
                throw new Usage(name + " must be at least " + min);
            }
            return n;
        } catch (NumberFormatException e) {
            throw new Usage(name + " must be a whole number");
        }
    }

    private static String nullText(String s) {
        return s == null ? "-" : s;
    }
}
