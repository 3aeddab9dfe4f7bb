package dev.palisade.upstream.mqtt.internal;

import java.lang.reflect.Proxy;
import java.util.Map;

/** A {@link LinkConfig} with the annotation's defaults, overridden by property name (e.g. {@code hub.uri}). */
final class Configs {

    private Configs() {
    }

    static LinkConfig link(Map<String, Object> overrides) {
        return (LinkConfig) Proxy.newProxyInstance(LinkConfig.class.getClassLoader(), new Class<?>[] {LinkConfig.class},
                (self, method, args) -> {
                    String key = method.getName().replace('_', '.');
                    if (overrides.containsKey(key)) {
                        return overrides.get(key);
                    }
                    if (method.getDefaultValue() != null) {
                        return method.getDefaultValue();
                    }
                    if (method.getName().equals("annotationType")) {
                        return LinkConfig.class;
                    }
                    throw new UnsupportedOperationException(method.getName());
                });
    }
}
