package dev.palisade.api.bus;

/**
 * The type of a channel's value, with the Java type values of that channel have in
 * {@link Reading#value()} and accept in {@link LeafDevice#write}. All integer types are carried
 * as {@link Long} and both floating-point types as {@link Double}, so consumers handle four
 * Java types; the data type keeps the range a write is checked against.
 *
 * <p>For a channel whose raw register value is scaled or offset by configuration, the data type
 * is that of the value after conversion (usually {@link #FLOAT64}).
 */
public enum DataType {
    /** {@link Boolean}. */
    BOOLEAN(Boolean.class),
    /** {@link Long} in −32768…32767. */
    INT16(Long.class),
    /** {@link Long} in 0…65535. */
    UINT16(Long.class),
    /** {@link Long} in −2³¹…2³¹−1. */
    INT32(Long.class),
    /** {@link Long} in 0…2³²−1. */
    UINT32(Long.class),
    /** {@link Long}, the full range. */
    INT64(Long.class),
    /** {@link Double} holding a value exactly representable as a {@code float}. */
    FLOAT32(Double.class),
    /** {@link Double}. */
    FLOAT64(Double.class),
    /** {@link String}. */
    STRING(String.class);

    private final Class<?> javaType;

    DataType(Class<?> javaType) {
        this.javaType = javaType;
    }

    /** @return the Java type of values of this type: Boolean, Long, Double or String */
    public Class<?> javaType() {
        return javaType;
    }
}
