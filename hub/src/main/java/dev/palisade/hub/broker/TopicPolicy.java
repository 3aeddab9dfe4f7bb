package dev.palisade.hub.broker;

/** The topics a gateway may use: everything under {@code palisade/v1/<its id>/}, nothing else. */
public final class TopicPolicy {
    /** The protocol's topic root (DESIGN.md section 5). */
    public static final String ROOT = "palisade/v1/";

    private TopicPolicy() {
    }

    /** The prefix of every topic gateway {@code id} may publish to. */
    public static String prefix(String gatewayId) {
        return ROOT + gatewayId + "/";
    }

    /**
     * Whether gateway {@code id} may leave a will on {@code topic}: under its root, but not on a
     * child's topic ({@code d/…}) nor an enrollment topic ({@code enroll/…}). The broker publishes a
     * will itself, after the session ends; refused at CONNECT, the child-topic rule does not depend on
     * whether the publish interceptor is called for wills.
     */
    public static boolean mayWill(String gatewayId, String topic) {
        if (!mayPublish(gatewayId, topic)) {
            return false;
        }
        String rest = topic.substring(prefix(gatewayId).length());
        return !rest.startsWith("d/") && !rest.equals("d") && !rest.startsWith("enroll/") && !rest.equals("enroll");
    }

    /** Whether gateway {@code id} may publish to {@code topic} (a topic name, no wildcards). */
    public static boolean mayPublish(String gatewayId, String topic) {
        return topic.startsWith(prefix(gatewayId)) && topic.length() > prefix(gatewayId).length();
    }
}
