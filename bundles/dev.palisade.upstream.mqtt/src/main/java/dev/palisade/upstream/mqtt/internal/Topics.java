package dev.palisade.upstream.mqtt.internal;

import java.util.regex.Pattern;

/**
 * The topic layout under {@code palisade/v1/<gateway>/} (DESIGN §5), in one place.
 *
 * <ul>
 * <li>{@code …/status} — retained {@code online}/{@code offline} JSON, the will says offline;</li>
 * <li>{@code …/<spooled topic>} — telemetry and anything else drained from the spool, e.g.
 * {@code d/<child>/telemetry};</li>
 * <li>{@code …/cmd/<command>} and {@code …/d/<child>/cmd/<command>} — commands from the hub;</li>
 * <li>{@code …/res} — where the hub answers this gateway's requests (matched by Correlation Data).</li>
 * </ul>
 */
final class Topics {

    static final Pattern COMMAND_NAME = Pattern.compile("[a-z0-9-]{1,64}");
    private static final Pattern CHILD_ID = Pattern.compile("[^/+#\\x00]{1,256}");

    final String root;

    Topics(String gatewayId) {
        if (gatewayId == null || gatewayId.isBlank() || !CHILD_ID.matcher(gatewayId).matches()) {
            throw new IllegalArgumentException("gateway id '" + gatewayId
                    + "' cannot be a topic level (empty, or contains '/', '+', '#' or NUL)");
        }
        this.root = "palisade/v1/" + gatewayId + "/";
    }

    String status() {
        return root + "status";
    }

    String responses() {
        return root + "res";
    }

    String of(String relative) {
        return root + relative;
    }

    /** @return the two subscriptions that bring commands for the gateway and for its children */
    String[] commandFilters() {
        return new String[] {root + "cmd/#", root + "d/+/cmd/#"};
    }

    /**
     * @param topic a topic a command arrived on
     * @return the addressee and the command, or {@code null} if the topic is not a command topic;
     *         the name is returned unchecked so that the caller can answer a bad one
     */
    Command command(String topic) {
        if (!topic.startsWith(root)) {
            return null;
        }
        String rest = topic.substring(root.length());
        if (rest.startsWith("cmd/")) {
            return new Command(null, rest.substring(4));
        }
        if (rest.startsWith("d/")) {
            int slash = rest.indexOf('/', 2);
            if (slash > 2 && rest.startsWith("/cmd/", slash)) {
                return new Command(rest.substring(2, slash), rest.substring(slash + 5));
            }
        }
        return null;
    }

    /** Checks a request suffix as {@link dev.palisade.api.upstream.HubLink#request} documents it. */
    static void checkSuffix(String suffix) {
        if (suffix == null || suffix.isEmpty() || suffix.startsWith("/") || suffix.endsWith("/")
                || suffix.contains("//") || suffix.indexOf('+') >= 0 || suffix.indexOf('#') >= 0
                || suffix.indexOf('\0') >= 0) {
            throw new IllegalArgumentException("request suffix '" + suffix
                    + "' is not one or more non-empty topic levels without wildcards or NUL");
        }
    }

    /** A command addressed to the gateway ({@code child == null}) or to one child. */
    record Command(String child, String name) {
    }
}
