package dev.palisade.testkit;

import java.lang.reflect.Array;
import java.lang.reflect.Proxy;
import java.util.Map;

/**
 * Typed DS configurations for components tested as plain objects: the given values by method
 * name, else the annotation's defaults, as SCR would build them from ConfigAdmin.
 */
public final class TypedConfigs {

    private TypedConfigs() {
    }

    /**
     * @param type the component's configuration annotation
     * @param values values by the annotation's method names
     * @return a configuration with those values and the annotation's defaults; an absent array
     *         property without a default is empty and any other such property {@code null}, as in DS
     */
    public static <A> A of(Class<A> type, Map<String, Object> values) {
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
                return Array.newInstance(method.getReturnType().getComponentType(), 0);
            }
            return null;
        });
        return type.cast(proxy);
    }
}
