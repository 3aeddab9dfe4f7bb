package dev.palisade.upstream.mqtt.internal;

import java.util.ArrayList;
import java.util.List;
import javax.net.ssl.SSLException;
import org.eclipse.paho.mqttv5.common.MqttException;

/** Turns Paho's and JSSE's nested exceptions into one line for a field engineer. */
final class LinkErrors {

    private LinkErrors() {
    }

    static String describe(Throwable failure) {
        if (failure == null) {
            return "unknown failure";
        }
        // Our own certificate verdict says it best: put it first.
        for (Throwable t = failure; t != null; t = t.getCause()) {
            if (t instanceof HostnameCheckingTrustManager.HubCertificateException) {
                return "TLS handshake failed: " + t.getMessage();
            }
        }
        List<String> parts = new ArrayList<>();
        boolean tls = false;
        for (Throwable t = failure; t != null && parts.size() < 4; t = t.getCause()) {
            tls |= t instanceof SSLException;
            String text = t instanceof MqttException m
                    ? m.getMessage() + " (" + m.getReasonCode() + ")"
                    : t.getMessage() != null ? t.getMessage() : t.getClass().getSimpleName();
            if (parts.stream().noneMatch(p -> p.contains(text))) {
                parts.add(text);
            }
            if (t.getCause() == t) {
                break;
            }
        }
        return (tls ? "TLS handshake failed: " : "") + String.join(": ", parts);
    }
}
