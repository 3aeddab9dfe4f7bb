package dev.palisade.upstream.mqtt.internal;

import java.net.InetAddress;
import java.net.Socket;
import java.net.UnknownHostException;
import java.security.cert.CertificateException;
import java.security.cert.CertificateParsingException;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.X509ExtendedTrustManager;
import javax.net.ssl.X509TrustManager;

/**
 * Trusts the hub only if the delegate accepts its chain AND the leaf names the host the link
 * dialled (RFC 6125: subjectAltName only, no CN fallback; a wildcard only as the whole leftmost
 * DNS label; IP literals against iPAddress SANs).
 *
 * <p>Why our own check, on top of Paho's {@code setHttpsHostnameVerificationEnabled}: that flag
 * asks the JSSE provider to identify the endpoint, and whether it happens then depends on the
 * provider and on the kind of trust manager (the trust service's manager does no host-name check
 * by contract). Checking here makes the hostname check hold with BCJSSE, SunJSSE and any trust
 * source. Client-side only: the gateway never accepts TLS clients on this manager.
 */
final class HostnameCheckingTrustManager extends X509ExtendedTrustManager {

    private final X509TrustManager delegate;
    private final String host;
    private final String anchorsDescription;

    /**
     * @param delegate verifies the chain (PKIX against the anchors, or the trust domain)
     * @param host the host name or IP literal the link connects to
     * @param anchorsDescription names the anchors in error messages, e.g. "trust domain hub"
     */
    HostnameCheckingTrustManager(X509TrustManager delegate, String host, String anchorsDescription) {
        this.delegate = delegate;
        this.host = host;
        this.anchorsDescription = anchorsDescription;
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType) throws CertificateException {
        if (chain == null || chain.length == 0) {
            throw new HubCertificateException("the hub at " + host + " presented no certificate");
        }
        try {
            delegate.checkServerTrusted(chain, authType);
        } catch (CertificateException e) {
            throw new HubCertificateException("the hub's certificate '" + chain[0].getSubjectX500Principal().getName()
                    + "' issued by '" + chain[0].getIssuerX500Principal().getName() + "' is not trusted by "
                    + anchorsDescription + ": " + e.getMessage(), e);
        }
        checkHost(chain[0]);
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket) throws CertificateException {
        checkServerTrusted(chain, authType);
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine) throws CertificateException {
        checkServerTrusted(chain, authType);
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType) throws CertificateException {
        throw new CertificateException("the hub link's trust manager verifies servers only");
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket) throws CertificateException {
        checkClientTrusted(chain, authType);
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine) throws CertificateException {
        checkClientTrusted(chain, authType);
    }

    @Override
    public X509Certificate[] getAcceptedIssuers() {
        return delegate.getAcceptedIssuers();
    }

    void checkHost(X509Certificate leaf) throws CertificateException {
        List<String> names = new ArrayList<>();
        boolean ipLiteral = isIpLiteral(host);
        Collection<List<?>> sans;
        try {
            sans = leaf.getSubjectAlternativeNames();
        } catch (CertificateParsingException e) {
            throw new HubCertificateException("the hub's certificate has an unreadable subjectAltName: " + e.getMessage(), e);
        }
        if (sans != null) {
            for (List<?> san : sans) {
                int type = (Integer) san.get(0);
                String value = String.valueOf(san.get(1));
                if (type == 2) {
                    names.add("DNS:" + value);
                    if (!ipLiteral && dnsMatches(value, host)) {
                        return;
                    }
                } else if (type == 7) {
                    names.add("IP:" + value);
                    if (ipLiteral && sameAddress(value, host)) {
                        return;
                    }
                }
            }
        }
        throw new HubCertificateException("the hub's certificate '" + leaf.getSubjectX500Principal().getName()
                + "' does not name the host '" + host + "' the link connected to (its names: "
                + (names.isEmpty() ? "none" : String.join(", ", names)) + "); fix hub.uri or the hub's certificate");
    }

    static boolean dnsMatches(String pattern, String host) {
        String p = pattern.toLowerCase(Locale.ROOT);
        String h = host.toLowerCase(Locale.ROOT);
        if (p.endsWith(".")) {
            p = p.substring(0, p.length() - 1);
        }
        if (h.endsWith(".")) {
            h = h.substring(0, h.length() - 1);
        }
        if (p.startsWith("*.")) {
            int dot = h.indexOf('.');
            // The wildcard stands for exactly one whole label, and never for a public suffix alone.
            return dot > 0 && p.indexOf('.', 2) > 0 && h.substring(dot).equals(p.substring(1));
        }
        return !p.contains("*") && p.equals(h);
    }

    private static boolean isIpLiteral(String host) {
        return host.indexOf(':') >= 0 || host.matches("[0-9.]+");
    }

    private static boolean sameAddress(String san, String host) {
        try {
            // Both are literals: getByName parses them without a name lookup.
            return InetAddress.getByName(san).equals(InetAddress.getByName(strip(host)));
        } catch (UnknownHostException e) {
            return false;
        }
    }

    private static String strip(String host) {
        return host.startsWith("[") && host.endsWith("]") ? host.substring(1, host.length() - 1) : host;
    }

    /** The hub's certificate was refused; the message says why in an operator's terms. */
    static final class HubCertificateException extends CertificateException {
        private static final long serialVersionUID = 1L;

        HubCertificateException(String message) {
            super(message);
        }

        HubCertificateException(String message, Throwable cause) {
            super(message, cause);
        }
    }
}
