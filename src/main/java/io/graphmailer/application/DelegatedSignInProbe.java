package io.graphmailer.application;

import io.graphmailer.application.port.out.DiagnosticProbe;
import io.graphmailer.application.port.out.SignInStore;
import io.graphmailer.domain.DelegatedMailboxes;
import io.graphmailer.domain.DelegatedMailboxes.Delegation;
import io.graphmailer.domain.DiagnosticCheck;
import io.graphmailer.domain.Mailbox;
import io.graphmailer.domain.SignInRequiredException;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * The doctor's row per delegated mailbox, from what is stored with its sign-in (so every instance and every restart sees
 * the same): the account that signed in, the scopes granted, days since the last refresh, and when an unused refresh
 * token would expire. It warns {@code warnBefore} ahead of the inactivity limit and fails past it, when nothing is
 * stored, when another account's sign-in is stored, or when the sign-in lacks a scope the mailbox now sends with.
 */
public final class DelegatedSignInProbe implements DiagnosticProbe {
    private static final String OWNER = "operator (graph-mailer signin)";

    /** The limits of README "Delegated mode": GRAPH_MAILER_DELEGATED_INACTIVITY_LIMIT and _WARN_BEFORE. */
    public record Limits(Duration inactivityLimit, Duration warnBefore) {
    }

    private final DelegatedMailboxes mailboxes;
    private final Supplier<? extends SignInStore> store;
    private final Function<Mailbox, List<String>> neededScopes;
    private final Limits limits;
    private final Clock clock;

    /**
     * @param store        looked up when the doctor runs (a delegated setup missing its settings is then a failed check)
     * @param neededScopes the scopes each mailbox signs in for now (its transport's)
     */
    public DelegatedSignInProbe(DelegatedMailboxes mailboxes, Supplier<? extends SignInStore> store, Function<Mailbox, List<String>> neededScopes, Limits limits,
                                Clock clock) {
        this.mailboxes = mailboxes;
        this.store = store;
        this.neededScopes = neededScopes;
        this.limits = limits;
        this.clock = clock;
    }

    @Override
    public String area() {
        return "delegated sign-ins";
    }

    @Override
    public List<DiagnosticCheck> run() {
        Instant now = clock.instant();
        List<DiagnosticCheck> checks = new ArrayList<>();
        for (Delegation d : mailboxes.delegations()) {
            checks.add(check(d, now));
        }
        return checks;
    }

    private DiagnosticCheck check(Delegation d, Instant now) {
        String name = "delegated sign-in of " + d.mailbox();
        String command = SignInRequiredException.signInCommand(d.mailbox());
        SignInStore store;
        SignInStore.SignInFacts facts;
        try {
            store = this.store.get();
            facts = store.facts(d.mailbox()).orElse(null);
        } catch (RuntimeException e) {
            return DiagnosticCheck.fail(name, "the sign-in store cannot be read: " + e.getMessage(),
                    "check the token container and the identity's Storage Blob Data Contributor role on it", "infrastructure team");
        }
        if (facts == null) {
            return DiagnosticCheck.fail(name, "nothing is stored in " + store.describe() + ": " + d.mailbox()
                    + " cannot send, its queued mail waits for a sign-in", "run " + command + (d.shared() ? " and sign in as " + d.account() : ""), OWNER);
        }
        if (!facts.account().equalsIgnoreCase(d.account().id())) {
            return DiagnosticCheck.fail(name, "the stored sign-in is " + facts.account() + "'s, but " + d.account() + " signs in for " + d.mailbox(),
                    "run " + command + " and sign in as " + d.account(), OWNER);
        }
        List<String> missing = missing(neededScopes.apply(d.mailbox()), facts.scopes());
        long days = Duration.between(facts.lastRefresh(), now).toDays();
        Instant expires = facts.lastRefresh().plus(limits.inactivityLimit());
        String detail = "signed in as " + facts.account() + " on " + day(facts.signedInAt()) + ", scopes " + String.join(" ", facts.scopes())
                + ", last refresh " + days + (days == 1 ? " day" : " days") + " ago (" + facts.lastRefresh().truncatedTo(ChronoUnit.SECONDS) + ")";
        if (!missing.isEmpty()) {
            return DiagnosticCheck.fail(name, detail + "; it lacks " + String.join(" ", missing) + ", which the mailbox now sends with",
                    "run " + command + " (it asks for the scopes of the mailbox's transport)", OWNER);
        }
        if (!now.isBefore(expires)) {
            return DiagnosticCheck.fail(name, detail + "; unused for the inactivity limit (" + limits.inactivityLimit().toDays()
                    + " days), the refresh token has expired (AADSTS700082)", "run " + command, OWNER);
        }
        if (!now.isBefore(expires.minus(limits.warnBefore()))) {
            long left = Duration.between(now, expires).toDays();
            return DiagnosticCheck.warn(name, detail + "; unless it is refreshed the refresh token expires on " + day(expires) + " (in " + left
                            + (left == 1 ? " day" : " days") + "): the timer's keep-alive has not refreshed it",
                    "check that the timer function runs (its log names a keep-alive that failed, and why), or run " + command, OWNER);
        }
        return DiagnosticCheck.ok(name, detail + "; unused it would expire on " + day(expires));
    }

    /** The needed scopes the sign-in lacks; a granted scope may be named short ("Mail.Send") or in full. */
    static List<String> missing(List<String> needed, List<String> granted) {
        List<String> have = granted.stream().map(DelegatedSignInProbe::shortName).toList();
        return needed.stream().filter(n -> !have.contains(shortName(n))).toList();
    }

    private static String shortName(String scope) {
        String s = scope.toLowerCase(Locale.ROOT);
        return s.substring(s.lastIndexOf('/') + 1);
    }

    private static String day(Instant at) {
        return at.truncatedTo(ChronoUnit.DAYS).toString().substring(0, 10);
    }
}
