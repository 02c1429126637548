package io.graphmailer.application;

import io.graphmailer.application.port.out.DelegatedTokenRefresh;
import io.graphmailer.application.port.out.SignInStore;
import io.graphmailer.domain.DelegatedMailboxes;
import io.graphmailer.domain.DelegatedMailboxes.Delegation;
import io.graphmailer.domain.MailTransportException;
import io.graphmailer.domain.SignInRequiredException;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;
import java.util.logging.Logger;

/**
 * The timer's keep-alive for delegated mailboxes (GRAPH_MAILER_DELEGATED_KEEP_ALIVE_AFTER): the identity platform drops
 * a refresh token unused for 90 days, so every mailbox whose stored last refresh (fleet-wide, kept with its sign-in) is
 * older than {@code keepAliveAfter} is refreshed, mail or not; nothing is sent. A mailbox that fails is logged with its
 * mailbox and the command to run (never a token) and is tried again at the next look; it never fails the tick.
 * A process looks at most once per {@link #LOOK_EVERY}: the timer ticks every minute, the decision needs days.
 */
public final class DelegatedKeepAlive {
    private static final Logger LOG = Logger.getLogger(DelegatedKeepAlive.class.getName());
    /** How often one process reads the stored last-refresh times. */
    static final Duration LOOK_EVERY = Duration.ofHours(1);

    public enum Result { REFRESHED, FRESH, NOT_SIGNED_IN, FAILED }

    /** What the keep-alive did to one mailbox (for tests and the log; no token). */
    public record MailboxOutcome(String mailbox, Result result, String detail) {
    }

    private final DelegatedMailboxes mailboxes;
    private final Supplier<? extends SignInStore> store;
    private final Supplier<? extends DelegatedTokenRefresh> refresh;
    private final Duration keepAliveAfter;
    private Instant lastLook;

    public DelegatedKeepAlive(DelegatedMailboxes mailboxes, Supplier<? extends SignInStore> store, Supplier<? extends DelegatedTokenRefresh> refresh,
                              Duration keepAliveAfter) {
        this.mailboxes = mailboxes;
        this.store = store;
        this.refresh = refresh;
        this.keepAliveAfter = keepAliveAfter;
    }

    /** On the timer's tick: looks if {@link #LOOK_EVERY} has passed since this process last looked. Never throws. */
    public synchronized List<MailboxOutcome> keepAliveIfDue(Instant now) {
        if (!mailboxes.inUse() || (lastLook != null && now.isBefore(lastLook.plus(LOOK_EVERY)))) {
            return List.of();
        }
        lastLook = now;
        return keepAlive(now);
    }

    /** Refreshes every delegated mailbox whose last refresh is older than {@code keepAliveAfter}. Never throws. */
    public List<MailboxOutcome> keepAlive(Instant now) {
        List<MailboxOutcome> outcomes = new ArrayList<>();
        for (Delegation d : mailboxes.delegations()) {
            outcomes.add(keepAlive(d, now));
        }
        return outcomes;
    }

    private MailboxOutcome keepAlive(Delegation d, Instant now) {
        String mailbox = d.mailbox().id();
        String command = SignInRequiredException.signInCommand(d.mailbox());
        try {
            SignInStore.SignInFacts facts = store.get().facts(d.mailbox()).orElse(null);
            if (facts == null) {
                LOG.warning(() -> "delegated keep-alive: " + mailbox + " has no stored sign-in, its mail waits; run " + command);
                return new MailboxOutcome(mailbox, Result.NOT_SIGNED_IN, "run " + command);
            }
            if (facts.lastRefresh().isAfter(now.minus(keepAliveAfter))) {
                return new MailboxOutcome(mailbox, Result.FRESH, "last refresh " + facts.lastRefresh());
            }
            SignInStore.SignInFacts after = refresh.get().refresh(d.mailbox());
            LOG.info(() -> "delegated keep-alive: " + mailbox + " refreshed (last refresh was " + facts.lastRefresh() + ")");
            return new MailboxOutcome(mailbox, Result.REFRESHED, "last refresh " + after.lastRefresh());
        } catch (SignInRequiredException e) {
            // Its message names the mailbox, the cause and the command; never a token.
            LOG.severe(() -> "delegated keep-alive: " + e.getMessage());
            return new MailboxOutcome(mailbox, Result.FAILED, e.getMessage());
        } catch (MailTransportException e) {
            String detail = mailbox + " was not refreshed (" + e.code() + ": " + e.getMessage() + "); tried again within "
                    + LOOK_EVERY.toMinutes() + " minutes; if it keeps failing, run " + command;
            LOG.warning(() -> "delegated keep-alive: " + detail);
            return new MailboxOutcome(mailbox, Result.FAILED, detail);
        } catch (RuntimeException e) {
            String detail = mailbox + " was not refreshed (" + e.getClass().getSimpleName() + "); tried again within "
                    + LOOK_EVERY.toMinutes() + " minutes; if it keeps failing, run " + command;
            LOG.warning(() -> "delegated keep-alive: " + detail);
            return new MailboxOutcome(mailbox, Result.FAILED, detail);
        }
    }
}
