package dev.palisade.bus.modbus.internal;

import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * A device's configuration, checked. Every error names the device and the field, so that the
 * operator can fix the right file.
 */
record DeviceSettings(String id, String transport, String host, int port, SerialSettings serial, int unitId,
        Duration pollInterval, Duration timeout, int connectTimeoutMillis, int maxInFlight, int mergeGap,
        int maxRegisters, int maxBits, int offlineAfter, Duration backoffMax, List<ChannelSpec> channels,
        List<ReadPlan.Block> plan, String trustDomain, String tlsIdentity, Map<String, Set<Integer>> roleFunctions,
        Duration tlsReverify) {

    static DeviceSettings from(DeviceConfig config, String pid) {
        String id = config.id();
        if (id == null || id.isBlank()) {
            throw new IllegalArgumentException("Modbus device configuration " + pid + ": 'id' is required");
        }
        String where = "Modbus device '" + id + "' (" + pid + "): ";
        try {
            if (id.chars().anyMatch(c -> c == '/' || c == '+' || c == '#' || c == 0 || Character.isWhitespace(c))) {
                throw new IllegalArgumentException("'id' must be one topic level without /, +, #, NUL or spaces");
            }
            String transport = config.transport().toLowerCase(Locale.ROOT).trim();
            String host = config.host().trim();
            int port = config.port();
            SerialSettings serial = null;
            switch (transport) {
                case "tcp", "tls" -> {
                    if (host.isEmpty()) {
                        throw new IllegalArgumentException("'host' is required for transport " + transport);
                    }
                    if (port == 0) {
                        port = transport.equals("tcp") ? 502 : 802;
                    }
                    if (port < 1 || port > 65535) {
                        throw new IllegalArgumentException("'port' " + port + " is outside 1..65535");
                    }
                }
                case "rtu" -> serial = new SerialSettings(config.serial_port().trim(), config.serial_baud(),
                        config.serial_data_bits(), config.serial_parity().trim(), config.serial_stop_bits());
                default -> throw new IllegalArgumentException("'transport' must be tcp, rtu or tls, got '"
                        + config.transport() + "'");
            }
            int unit = config.unit_id();
            if (unit < 0 || unit > 255) {
                throw new IllegalArgumentException("'unit.id' " + unit + " is outside 0..255");
            }
            if (transport.equals("rtu") && (unit < 1 || unit > 247)) {
                throw new IllegalArgumentException("'unit.id' " + unit + " is not a serial address (1..247)");
            }
            positive("poll.interval.ms", config.poll_interval_ms());
            positive("timeout.ms", config.timeout_ms());
            positive("connect.timeout.ms", config.connect_timeout_ms());
            positive("backoff.max.ms", config.backoff_max_ms());
            positive("offline.after", config.offline_after());
            if (config.max_in_flight() < 1 || config.max_in_flight() > 64) {
                throw new IllegalArgumentException("'max.in.flight' " + config.max_in_flight() + " is outside 1..64");
            }
            if (transport.equals("rtu") && config.max_in_flight() != 1) {
                throw new IllegalArgumentException("'max.in.flight' must be 1 on a serial line: RTU has no transaction id");
            }
            if (config.max_registers() < 1 || config.max_registers() > 125) {
                throw new IllegalArgumentException("'max.registers' " + config.max_registers() + " is outside 1..125");
            }
            if (config.tls_reverify_seconds() < 60 || config.tls_reverify_seconds() > 86_400) {
                throw new IllegalArgumentException("'tls.reverify.seconds' " + config.tls_reverify_seconds() + " is outside 60..86400");
            }
            if (config.max_bits() < 1 || config.max_bits() > 2000) {
                throw new IllegalArgumentException("'max.bits' " + config.max_bits() + " is outside 1..2000");
            }
            if (config.channels() == null) {
                throw new IllegalArgumentException("'channels' is required");
            }
            List<ChannelSpec> channels = ChannelSpec.parseAll(config.channels());
            List<ReadPlan.Block> plan = ReadPlan.plan(channels, config.merge_gap(), config.max_registers(), config.max_bits());
            String domain = config.trust_domain().trim();
            if (transport.equals("tls") && domain.isEmpty()) {
                throw new IllegalArgumentException("'trust.domain' is required for transport tls: it names the trust"
                        + " domain that verifies the device's certificate");
            }
            String identity = config.tls_identity().trim().isEmpty() ? id : config.tls_identity().trim();
            return new DeviceSettings(id, transport, host, port, serial, unit,
                    Duration.ofMillis(config.poll_interval_ms()), Duration.ofMillis(config.timeout_ms()),
                    config.connect_timeout_ms(), config.max_in_flight(), config.merge_gap(), config.max_registers(),
                    config.max_bits(), config.offline_after(), Duration.ofMillis(config.backoff_max_ms()), channels, plan,
                    domain, identity, roleFunctions(config.tls_role_functions()), Duration.ofSeconds(config.tls_reverify_seconds()));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(where + e.getMessage(), e);
        }
    }

    /** @return where the device is reached, e.g. {@code tcp://10.0.4.7:502 unit 1} */
    String address() {
        return serial != null ? "rtu:" + serial + " unit " + unitId : transport + "://" + host + ":" + port + " unit " + unitId;
    }

    private static void positive(String field, long value) {
        if (value <= 0) {
            throw new IllegalArgumentException("'" + field + "' must be positive, got " + value);
        }
    }

    /** Parses {@code ROLE=1,2,3} or {@code ROLE=*}; an empty set of codes means every code. */
    static Map<String, Set<Integer>> roleFunctions(String[] entries) {
        Map<String, Set<Integer>> map = new HashMap<>();
        for (String entry : entries) {
            for (String one : entry.split(";")) {
                if (one.isBlank()) {
                    continue;
                }
                int eq = one.indexOf('=');
                if (eq <= 0) {
                    throw new IllegalArgumentException("'tls.role.functions' entry '" + one + "' is not ROLE=CODES");
                }
                String role = one.substring(0, eq).trim();
                String codes = one.substring(eq + 1).trim();
                Set<Integer> set = new HashSet<>();
                if (!codes.equals("*")) {
                    for (String code : codes.split(",")) {
                        try {
                            int fc = Integer.parseInt(code.trim());
                            if (fc < 1 || fc > 127) {
                                throw new NumberFormatException();
                            }
                            set.add(fc);
                        } catch (NumberFormatException e) {
                            throw new IllegalArgumentException("'tls.role.functions' for role '" + role + "': '" + code
                                    + "' is not a function code 1..127");
                        }
                    }
                }
                map.put(role, Set.copyOf(set));
            }
        }
        return Map.copyOf(map);
    }
}
