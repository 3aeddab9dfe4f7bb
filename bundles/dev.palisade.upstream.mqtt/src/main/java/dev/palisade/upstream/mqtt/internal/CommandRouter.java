package dev.palisade.upstream.mqtt.internal;

import dev.palisade.api.upstream.CommandHandler;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.osgi.framework.Constants;

/**
 * The {@link CommandHandler} whiteboard: which handler serves which command name. When several
 * name the same command, the highest service ranking wins, then the lowest service id (the
 * OSGi tie-break). Thread-safe; lookups are lock-free.
 */
final class CommandRouter {

    private record Registration(CommandHandler handler, List<String> names, int ranking, long serviceId) {
    }

    private static final Comparator<Registration> PRECEDENCE = Comparator.comparingInt(Registration::ranking)
            .reversed().thenComparingLong(Registration::serviceId);

    private final CopyOnWriteArrayList<Registration> registrations = new CopyOnWriteArrayList<>();

    void add(CommandHandler handler, Map<String, ?> properties) {
        registrations.add(new Registration(handler, names(properties.get(CommandHandler.COMMAND)),
                properties.get(Constants.SERVICE_RANKING) instanceof Integer r ? r : 0,
                properties.get(Constants.SERVICE_ID) instanceof Long id ? id : Long.MAX_VALUE));
    }

    void remove(CommandHandler handler) {
        registrations.removeIf(r -> r.handler() == handler);
    }

    /** @return the handler for {@code name}, or {@code null} if nobody serves it */
    CommandHandler find(String name) {
        return registrations.stream().filter(r -> r.names().contains(name)).min(PRECEDENCE)
                .map(Registration::handler).orElse(null);
    }

    /** @return every command name served, sorted */
    List<String> names() {
        return registrations.stream().flatMap(r -> r.names().stream()).distinct().sorted().toList();
    }

    private static List<String> names(Object property) {
        List<String> names = new ArrayList<>();
        if (property instanceof String s) {
            names.add(s);
        } else if (property instanceof String[] array) {
            names.addAll(List.of(array));
        } else if (property instanceof Collection<?> collection) {
            collection.forEach(o -> names.add(String.valueOf(o)));
        }
        return List.copyOf(names);
    }
}
