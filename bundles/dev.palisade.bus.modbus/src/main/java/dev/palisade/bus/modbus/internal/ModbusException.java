package dev.palisade.bus.modbus.internal;

import dev.palisade.api.bus.DeviceException;

/** A Modbus request failed; carries the {@link DeviceException.Reason} it maps to. */
final class ModbusException extends Exception {

    private static final long serialVersionUID = 1L;

    final DeviceException.Reason reason;
    /** The trust service's reason when the device's TLS certificate was refused, else null. */
    final String refusal;
    /** The Modbus exception code of an exception response, or -1. */
    final int exceptionCode;

    ModbusException(DeviceException.Reason reason, int exceptionCode, String message, Throwable cause) {
        this(reason, exceptionCode, message, cause, null);
    }

    private ModbusException(DeviceException.Reason reason, int exceptionCode, String message, Throwable cause,
            String refusal) {
        super(message, cause);
        this.reason = reason;
        this.exceptionCode = exceptionCode;
        this.refusal = refusal;
    }

    static ModbusException refused(String verdict) {
        return new ModbusException(DeviceException.Reason.OFFLINE, -1, "certificate refused: " + verdict, null, verdict);
    }

    static ModbusException exceptionResponse(int function, int code) {
        return new ModbusException(DeviceException.Reason.DEVICE_ERROR, code,
                "exception response to function " + function + ": code " + code + " (" + codeName(code) + ")", null);
    }

    static ModbusException garbage(String message) {
        return new ModbusException(DeviceException.Reason.TRANSPORT_ERROR, -1, message, null);
    }

    static ModbusException timeout(String message) {
        return new ModbusException(DeviceException.Reason.TIMEOUT, -1, message, null);
    }

    static ModbusException transport(String message, Throwable cause) {
        return new ModbusException(DeviceException.Reason.TRANSPORT_ERROR, -1, message, cause);
    }

    static ModbusException closed(String message) {
        return new ModbusException(DeviceException.Reason.CLOSED, -1, message, null);
    }

    static ModbusException offline(String message) {
        return new ModbusException(DeviceException.Reason.OFFLINE, -1, message, null);
    }

    /** @return the name the Modbus application protocol gives an exception code */
    static String codeName(int code) {
        return switch (code) {
            case 1 -> "ILLEGAL FUNCTION";
            case 2 -> "ILLEGAL DATA ADDRESS";
            case 3 -> "ILLEGAL DATA VALUE";
            case 4 -> "SERVER DEVICE FAILURE";
            case 5 -> "ACKNOWLEDGE";
            case 6 -> "SERVER DEVICE BUSY";
            case 8 -> "MEMORY PARITY ERROR";
            case 10 -> "GATEWAY PATH UNAVAILABLE";
            case 11 -> "GATEWAY TARGET DEVICE FAILED TO RESPOND";
            default -> "unknown";
        };
    }

    /** @return the exception as the API reports it, naming the device */
    DeviceException toDeviceException(String deviceId) {
        return new DeviceException(reason, deviceId + ": " + getMessage(), this);
    }
}
