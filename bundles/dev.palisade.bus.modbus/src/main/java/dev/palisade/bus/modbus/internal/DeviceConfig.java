package dev.palisade.bus.modbus.internal;

import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

/** One Modbus device: factory configuration {@code etc/dev.palisade.bus.modbus.device-NAME.cfg}. */
@ObjectClassDefinition(name = "Palisade Modbus device",
        description = "A leaf device on Modbus TCP, RTU or Modbus/TCP Security. See docs/modbus.md.")
@interface DeviceConfig {

    @AttributeDefinition(name = "Device id", description = "The child id upstream: unique on the gateway, one topic"
            + " level (no / + # or NUL), e.g. meter-7.")
    String id();

    @AttributeDefinition(name = "Transport", description = "tcp, rtu or tls (Modbus/TCP Security).")
    String transport() default "tcp";

    @AttributeDefinition(name = "Host", required = false, description = "tcp/tls: host name or IP address.")
    String host() default "";

    @AttributeDefinition(name = "Port", required = false, description = "tcp/tls: TCP port; 0 means 502 for tcp and 802 for tls.")
    int port() default 0;

    @AttributeDefinition(name = "Serial port", required = false, description = "rtu: the device path, e.g. /dev/ttyUSB0.")
    String serial_port() default "";

    @AttributeDefinition(name = "Baud rate", description = "rtu: bits per second.")
    int serial_baud() default 9600;

    @AttributeDefinition(name = "Data bits", description = "rtu: 8 (RTU requires 8; 7 only for odd devices).")
    int serial_data_bits() default 8;

    @AttributeDefinition(name = "Parity", description = "rtu: none, even or odd. The Modbus serial line spec's default is even.")
    String serial_parity() default "even";

    @AttributeDefinition(name = "Stop bits", description = "rtu: 1 or 2 (use 2 with parity none, per the spec).")
    int serial_stop_bits() default 1;

    @AttributeDefinition(name = "Unit id", description = "The unit identifier (slave address), 0-247; 255 or 1 for most TCP devices.")
    int unit_id() default 1;

    @AttributeDefinition(name = "Poll interval (ms)")
    long poll_interval_ms() default 1000;

    @AttributeDefinition(name = "Request timeout (ms)")
    long timeout_ms() default 1000;

    @AttributeDefinition(name = "Connect timeout (ms)", description = "tcp/tls.")
    int connect_timeout_ms() default 3000;

    @AttributeDefinition(name = "Requests in flight", description = "tcp/tls: requests sent before the first answer"
            + " (pipelining). 1 is safe for every device; raise it only for devices that allow it.")
    int max_in_flight() default 1;

    @AttributeDefinition(name = "Merge gap", description = "Unused registers or bits allowed between two channels read"
            + " in one request; -1 reads every channel on its own.")
    int merge_gap() default 8;

    @AttributeDefinition(name = "Registers per request", description = "At most 125 (the protocol's limit); lower for devices with smaller buffers.")
    int max_registers() default 125;

    @AttributeDefinition(name = "Bits per request", description = "Coils or discrete inputs; at most 2000.")
    int max_bits() default 2000;

    @AttributeDefinition(name = "Offline after", description = "Polls in a row without any answer before the device is offline.")
    int offline_after() default 3;

    @AttributeDefinition(name = "Longest backoff (ms)", description = "Offline devices are polled at growing intervals up to this.")
    long backoff_max_ms() default 60000;

    @AttributeDefinition(name = "Channels", description = "NAME KIND ADDRESS TYPE [options], separated by ';'. See docs/modbus.md.")
    String[] channels();

    @AttributeDefinition(name = "Re-handshake after (s)", description = "tls: a session whose handshake (and"
            + " verification) is older than this is closed and opened again before the next request, so that what the"
            + " device proved stays fresh: the hub accepts attest enrollments of handshakes up to 24 h old. 60..86400.")
    int tls_reverify_seconds() default 82800;

    @AttributeDefinition(name = "Trust domain", required = false, description = "tls: the trust domain that verifies the device's certificate.")
    String trust_domain() default "";

    @AttributeDefinition(name = "Device identity", required = false, description = "tls: the identity the trust domain's rule"
            + " must derive from the device's certificate; empty means the device id.")
    String tls_identity() default "";

    @AttributeDefinition(name = "Role rights", description = "tls: ROLE=FUNCTION,FUNCTION... The function codes the"
            + " gateway sends under the role its own certificate carries (Modbus/TCP Security role extension).")
    String[] tls_role_functions() default {"Viewer=1,2,3,4", "Operator=1,2,3,4,5,6,15,16", "Engineer=*", "Administrator=*"};
}
