package dev.palisade.shell.internal.admin;

import java.util.Collection;
import java.util.List;
import java.util.regex.Pattern;

/**
 * Turns the admin channel's argument vector into one Gogo command line that runs exactly one
 * {@code palisade:} command with literal arguments.
 *
 * <p>Why so strict: the channel must run Palisade's own commands and nothing else, so a
 * request must not be able to smuggle in a pipe, a second command, a closure or a variable.
 * Every argument is passed in single quotes, which Gogo takes literally; an argument that
 * contains a single quote or a control character is refused rather than escaped.
 */
final class CommandLine {

    static final String SCOPE = "palisade";
    private static final Pattern FUNCTION = Pattern.compile("[a-z][a-z0-9-]{0,63}");

    private CommandLine() {
    }

    /**
     * @param arguments the command name (without scope) followed by its arguments
     * @param functions the {@code palisade:} functions that are registered now
     * @return the Gogo command line
     * @throws IllegalArgumentException with a message for the operator when the request names
     *         no known command or carries an argument that cannot be passed literally
     */
    static String build(List<String> arguments, Collection<String> functions) {
        String function = arguments.get(0);
        if (!FUNCTION.matcher(function).matches()) {
            throw new IllegalArgumentException("'" + printable(function) + "' is not a command name");
        }
        if (!functions.contains(function)) {
            throw new IllegalArgumentException("unknown command '" + function + "'; the gateway offers: "
                    + String.join(", ", new java.util.TreeSet<>(functions)));
        }
        StringBuilder line = new StringBuilder(SCOPE).append(':').append(function);
        for (String argument : arguments.subList(1, arguments.size())) {
            for (int i = 0; i < argument.length(); i++) {
                char c = argument.charAt(i);
                if (c == '\'' || Character.isISOControl(c)) {
                    throw new IllegalArgumentException("argument '" + printable(argument)
                            + "' contains a quote or control character, which the admin channel does not pass on");
                }
            }
            line.append(" '").append(argument).append('\'');
        }
        return line.toString();
    }

    private static String printable(String text) {
        StringBuilder out = new StringBuilder();
        text.codePoints().limit(80).forEach(c -> {
            if (Character.isISOControl(c)) {
                out.append('?');
            } else {
                out.appendCodePoint(c);
            }
        });
        return out.toString();
    }
}
