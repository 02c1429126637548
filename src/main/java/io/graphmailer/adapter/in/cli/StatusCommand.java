package io.graphmailer.adapter.in.cli;

import io.graphmailer.application.port.in.DeliveriesUseCase;
import io.graphmailer.domain.delivery.DeliveryState;
import jakarta.inject.Singleton;

import java.io.PrintStream;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Locale;

/**
 * {@code graph-mailer status}: a compact table per mailbox from the delivery log (the same store and settings as the
 * app: the shared table where the app runs with storage), over the records changed in the last 24 hours: how many are in
 * each state now, when the mailbox last sent, and how many wait for a limit now. Exit code 0, or 1 when the log cannot be
 * read.
 */
@Singleton
public class StatusCommand {
    public static final String NAME = "status";
    static final Duration WINDOW = Duration.ofHours(24);
    /** The states shown as columns, in a message's usual order; the others are summed under "other". */
    static final List<DeliveryState> COLUMNS = List.of(DeliveryState.ACCEPTED, DeliveryState.WAITING, DeliveryState.RETRYING,
            DeliveryState.SENT, DeliveryState.VERIFIED_SENT, DeliveryState.FAILED, DeliveryState.DEAD_LETTERED, DeliveryState.PARKED,
            DeliveryState.BOUNCED);

    private final DeliveriesUseCase deliveries;
    private final Clock clock;

    StatusCommand(DeliveriesUseCase deliveries) {
        this(deliveries, Clock.systemUTC());
    }

    StatusCommand(DeliveriesUseCase deliveries, Clock clock) {
        this.deliveries = deliveries;
        this.clock = clock;
    }

    /** @param options the arguments after {@value #NAME} (none yet) */
    public int run(List<String> options, PrintStream out) {
        Instant now = clock.instant();
        List<DeliveriesUseCase.MailboxSummary> rows;
        try {
            rows = deliveries.summary(now.minus(WINDOW));
        } catch (RuntimeException e) {
            out.println("status: the delivery log cannot be read (" + e.getClass().getSimpleName() + ")");
            return 1;
        }
        out.print(table(rows, now));
        return 0;
    }

    static String table(List<DeliveriesUseCase.MailboxSummary> rows, Instant now) {
        StringBuilder sb = new StringBuilder();
        sb.append("delivery log, last 24 h to ").append(now.truncatedTo(ChronoUnit.SECONDS)).append(System.lineSeparator());
        if (rows.isEmpty()) {
            return sb.append("no messages").append(System.lineSeparator()).toString();
        }
        int width = Math.max("mailbox".length(), rows.stream().mapToInt(r -> r.mailbox().length()).max().orElse(0));
        sb.append(String.format(Locale.ROOT, "%-" + width + "s", "mailbox"));
        for (DeliveryState s : COLUMNS) {
            sb.append(String.format(Locale.ROOT, " %" + header(s).length() + "s", header(s)));
        }
        sb.append("  other  waiting-now  last-sent").append(System.lineSeparator());
        for (DeliveriesUseCase.MailboxSummary r : rows) {
            sb.append(String.format(Locale.ROOT, "%-" + width + "s", r.mailbox()));
            int shown = 0;
            for (DeliveryState s : COLUMNS) {
                int n = r.counts().getOrDefault(s, 0);
                shown += n;
                sb.append(String.format(Locale.ROOT, " %" + header(s).length() + "d", n));
            }
            int other = r.counts().values().stream().mapToInt(Integer::intValue).sum() - shown;
            sb.append(String.format(Locale.ROOT, "  %5d  %11d  %s", other, r.waitingNow(),
                    r.lastSent() == null ? "-" : r.lastSent().truncatedTo(ChronoUnit.SECONDS).toString()));
            sb.append(System.lineSeparator());
        }
        return sb.toString();
    }

    private static String header(DeliveryState s) {
        return s.name().toLowerCase(Locale.ROOT).replace('_', '-');
    }
}
