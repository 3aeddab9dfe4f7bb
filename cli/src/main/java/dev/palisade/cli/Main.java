package dev.palisade.cli;

import java.io.PrintStream;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

/**
 * Entry point of {@code lib/palisade-cli.jar}, called by {@code bin/palisade} for every
 * subcommand that is not about starting or stopping the process.
 *
 * <p>Usage: {@code palisade-cli --socket PATH COMMAND [ARG...]} sends the command to the
 * running gateway; the launcher passes the socket path of the gateway's data directory.
 */
public final class Main {

    static final int EXIT_USAGE = 2;

    private Main() {
    }

    /**
     * @param args the command line
     */
    public static void main(String[] args) {
        System.exit(run(Arrays.asList(args), System.out, System.err));
    }

    static int run(List<String> args, PrintStream out, PrintStream err) {
        if (args.size() < 3 || !"--socket".equals(args.get(0))) {
            err.println("usage: palisade-cli --socket PATH COMMAND [ARG...]");
            return EXIT_USAGE;
        }
        Path socket = Path.of(args.get(1));
        return new AdminClient(socket).run(args.subList(2, args.size()), out, err);
    }
}
