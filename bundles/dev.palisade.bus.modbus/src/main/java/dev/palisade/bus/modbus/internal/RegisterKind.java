package dev.palisade.bus.modbus.internal;

import java.util.Locale;

/** The four Modbus data tables, with the function codes that read and write them. */
enum RegisterKind {
    /** Read/write single bits, FC 1 / FC 5, FC 15. */
    COIL(1, true, true, 2000),
    /** Read-only single bits, FC 2. */
    DISCRETE(2, true, false, 2000),
    /** Read/write 16-bit registers, FC 3 / FC 6, FC 16. */
    HOLDING(3, false, true, 125),
    /** Read-only 16-bit registers, FC 4. */
    INPUT(4, false, false, 125);

    final int readFunction;
    final boolean bits;
    final boolean writable;
    /** The most items one read request may ask for (Modbus application protocol v1.1b3, §6.1-6.4). */
    final int maxPerRequest;

    RegisterKind(int readFunction, boolean bits, boolean writable, int maxPerRequest) {
        this.readFunction = readFunction;
        this.bits = bits;
        this.writable = writable;
        this.maxPerRequest = maxPerRequest;
    }

    /** @return the lower-case name used in configuration */
    String configName() {
        return name().toLowerCase(Locale.ROOT);
    }

    static RegisterKind parse(String text) {
        return switch (text.toLowerCase(Locale.ROOT)) {
            case "coil", "coils" -> COIL;
            case "discrete", "discrete-input", "di" -> DISCRETE;
            case "holding", "holding-register", "hr" -> HOLDING;
            case "input", "input-register", "ir" -> INPUT;
            default -> throw new IllegalArgumentException("register kind '" + text
                    + "' is not one of coil, discrete, holding, input");
        };
    }
}
