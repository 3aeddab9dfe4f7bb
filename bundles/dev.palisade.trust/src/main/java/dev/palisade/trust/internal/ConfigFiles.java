package dev.palisade.trust.internal;

import java.io.IOException;
import java.io.Reader;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;

/**
 * Reads the trust configuration from the distribution's {@code etc/} the way the running gateway
 * gets it (FileInstall: one properties file per PID, factory PIDs as {@code PID-<anything>.cfg}),
 * for the offline {@code palisade verify --domain}. Values become the same typed configuration
 * the components receive: a property that is absent takes the annotation's default, declared
 * once there.
 */
final class ConfigFiles {

    private ConfigFiles() {
    }

    /**
     * @param etc the configuration directory
     * @param name the domain's {@code name}
     * @return the domain's configuration
     * @throws IOException naming the directory and the domains found when there is no such domain,
     *         or the file that cannot be read
     */
    static TrustDomainComponent.Config domain(Path etc, String name) throws IOException {
        Map<String, Path> found = new TreeMap<>();
        List<Path> files = new ArrayList<>();
        try (DirectoryStream<Path> dir = Files.newDirectoryStream(etc, TrustDomainComponent.PID + "-*.cfg")) {
            dir.forEach(files::add);
        } catch (IOException e) {
            throw new IOException("cannot list the configuration directory " + etc + " (" + e.getMessage()
                    + "); set PALISADE_ETC to the gateway's etc directory");
        }
        files.sort(null);
        for (Path file : files) {
            String domain = properties(file).getProperty("name", "").strip();
            if (found.putIfAbsent(domain, file) != null && domain.equals(name)) {
                throw new IOException("trust domain '" + name + "' is configured twice, in " + found.get(domain) + " and "
                        + file + "; the gateway rejects every chain of it");
            }
        }
        Path file = found.get(name);
        if (file == null) {
            found.remove("");
            throw new IOException("no trust domain '" + Text.safe(name) + "' in " + etc + " (files " + TrustDomainComponent.PID
                    + "-*.cfg" + (found.isEmpty() ? "; none is configured" : "; configured: " + String.join(", ", found.keySet()))
                    + ")");
        }
        try {
            return typed(TrustDomainComponent.Config.class, properties(file));
        } catch (IOException e) {
            throw new IOException(file + ": " + e.getMessage());
        }
    }

    /**
     * @param etc the configuration directory
     * @return the deny-list configured there, or the empty list when there is no file
     * @throws IOException if the file cannot be read or an entry is invalid (the gateway would
     *         then reject every chain)
     */
    static DenyList denyList(Path etc) throws IOException {
        Path file = etc.resolve(DenyListComponent.PID + ".cfg");
        if (!Files.exists(file)) {
            return DenyList.EMPTY;
        }
        try {
            DenyListComponent.Config config = typed(DenyListComponent.Config.class, properties(file));
            return DenyList.parse(DomainLoader.values(config.fingerprints()).toArray(new String[0]),
                    DenyList.splitEntries(config.issuer_serials()));
        } catch (IOException | IllegalArgumentException e) {
            throw new IOException(file + ": " + e.getMessage());
        }
    }

    static Properties properties(Path file) throws IOException {
        Properties properties = new Properties();
        try (Reader reader = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            properties.load(reader);
        } catch (IOException | IllegalArgumentException e) {
            throw new IOException(file + ": cannot be read as a .cfg file (" + e.getMessage() + ")");
        }
        return properties;
    }

    /**
     * @return the annotation type backed by the properties, with DS's name mapping
     *         ({@code key_types} ↔ {@code key.types}, {@code __} ↔ {@code _})
     */
    static <A> A typed(Class<A> type, Properties properties) throws IOException {
        for (Method method : type.getDeclaredMethods()) {
            String value = properties.getProperty(key(method));
            if (value != null) {
                convert(method, value);
            }
        }
        Object proxy = Proxy.newProxyInstance(type.getClassLoader(), new Class<?>[] {type}, (self, method, args) -> {
            if (method.getDeclaringClass() == Object.class) {
                return method.getName().equals("toString") ? type.getSimpleName() + properties
                        : method.getName().equals("hashCode") ? System.identityHashCode(self) : self == args[0];
            }
            String value = properties.getProperty(key(method));
            if (value != null) {
                return convert(method, value);
            }
            Object fallback = method.getDefaultValue();
            if (fallback == null && method.getReturnType().isArray()) {
                return new String[0];
            }
            return fallback;
        });
        return type.cast(proxy);
    }

    private static String key(Method method) {
        return method.getName().replace("__", "\0").replace('_', '.').replace('\0', '_');
    }

    private static Object convert(Method method, String value) throws IOException {
        Class<?> type = method.getReturnType();
        try {
            if (type == String.class) {
                return value;
            }
            if (type == String[].class) {
                return new String[] {value};
            }
            if (type == int.class) {
                return Integer.parseInt(value.strip());
            }
            if (type == long.class) {
                return Long.parseLong(value.strip());
            }
        } catch (NumberFormatException e) {
            throw new IOException("'" + key(method) + "' is not a number: '" + Text.safe(value) + "'");
        }
        throw new IllegalStateException("no conversion to " + type + " for " + key(method));
    }
}
