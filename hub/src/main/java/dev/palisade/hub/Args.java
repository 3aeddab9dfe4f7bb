package dev.palisade.hub;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** The command line, consumed piece by piece; what is left over is a usage error. */
final class Args {
    private final List<String> rest;

    Args(List<String> args) {
        this.rest = new ArrayList<>(args);
    }

    /** Removes and returns the value of {@code --name VALUE}, or null. */
    String option(String name) throws UsageException {
        int i = rest.indexOf(name);
        if (i < 0) {
            return null;
        }
        if (i + 1 >= rest.size() || rest.get(i + 1).startsWith("--")) {
            throw new UsageException(name + " needs a value");
        }
        rest.remove(i);
        return rest.remove(i);
    }

    boolean flag(String name) {
        return rest.remove(name);
    }

    /** The next positional argument. */
    String next(String what) throws UsageException {
        for (int i = 0; i < rest.size(); i++) {
            if (!rest.get(i).startsWith("--")) {
                return rest.remove(i);
            }
        }
        throw new UsageException("missing " + what);
    }

    Path path(String what) throws UsageException {
        return Path.of(next(what));
    }

    void end() throws UsageException {
        if (!rest.isEmpty()) {
            throw new UsageException("unexpected " + String.join(" ", rest));
        }
    }
}
