package io.graphmailer;

import io.graphmailer.adapter.in.cli.DoctorCommand;
import io.quarkus.runtime.Quarkus;
import io.quarkus.runtime.QuarkusApplication;
import io.quarkus.runtime.annotations.QuarkusMain;
import jakarta.enterprise.inject.Instance;
import jakarta.inject.Inject;

import java.util.Arrays;

/**
 * The main of every mode: with the argument {@code doctor} (and optionally {@code --test-send}) runs
 * {@link DoctorCommand} and exits with its code; otherwise serves HTTP (and the Functions host's invocations) until stopped.
 */
@QuarkusMain
public class GraphMailerMain implements QuarkusApplication {
    /** Looked up only for the command: the server does not build the doctor at startup. */
    @Inject
    Instance<DoctorCommand> doctor;

    @Inject
    Instance<io.graphmailer.adapter.in.cli.StatusCommand> status;

    @Inject
    Instance<io.graphmailer.adapter.in.cli.DeadLetterCommand> deadLetter;

    @Inject
    Instance<io.graphmailer.adapter.in.cli.SignInCommand> signIn;

    @Override
    public int run(String... args) {
        if (args.length > 0 && io.graphmailer.adapter.in.cli.DeadLetterCommand.NAME.equals(args[0])) {
            return deadLetter.get().run(Arrays.asList(args).subList(1, args.length), System.out);
        }
        if (args.length > 0 && DoctorCommand.NAME.equals(args[0])) {
            return doctor.get().run(Arrays.asList(args).subList(1, args.length), System.out);
        }
        if (args.length > 0 && io.graphmailer.adapter.in.cli.StatusCommand.NAME.equals(args[0])) {
            return status.get().run(Arrays.asList(args).subList(1, args.length), System.out);
        }
        if (args.length > 0 && io.graphmailer.adapter.in.cli.SignInCommand.SIGN_IN.equals(args[0])) {
            return signIn.get().signIn(Arrays.asList(args).subList(1, args.length), System.out);
        }
        if (args.length > 0 && io.graphmailer.adapter.in.cli.SignInCommand.SIGN_OUT.equals(args[0])) {
            return signIn.get().signOut(Arrays.asList(args).subList(1, args.length), System.out);
        }
        Quarkus.waitForExit();
        return 0;
    }
}
