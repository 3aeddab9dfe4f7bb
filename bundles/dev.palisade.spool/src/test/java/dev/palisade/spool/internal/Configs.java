package dev.palisade.spool.internal;

import java.lang.reflect.Proxy;
import java.util.Map;

/** Typed DS configurations for components used as plain objects: given values, else the annotation's defaults. */
final class Configs {

    private Configs() {
    }

    static <A> A of(Class<A> type, Map<String, Object> values) {
        Object proxy = Proxy.newProxyInstance(type.getClassLoader(), new Class<?>[] {type}, (self, method, args) -> {
            if (values.containsKey(method.getName())) {
                return values.get(method.getName());
            }
            if (method.getDefaultValue() != null) {
                return method.getDefaultValue();
            }
            if (method.getName().equals("toString")) {
                return type.getSimpleName() + values;
            }
            if (method.getReturnType().isArray()) {
                // What DS gives for an absent array property without a default.
                return java.lang.reflect.Array.newInstance(method.getReturnType().getComponentType(), 0);
            }
            return null;
        });
        return type.cast(proxy);
    }
}
