package dev.palisade.deploy.internal.set;

import dev.palisade.api.deploy.BundleInfo;
import dev.palisade.api.deploy.DeployRefusal;
import dev.palisade.api.deploy.UpdateSetInfo;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.InvalidKeyException;
import java.security.Signature;
import java.security.SignatureException;
import java.security.cert.CertPathValidator;
import java.security.cert.CertPathValidatorException;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.PKIXParameters;
import java.security.cert.TrustAnchor;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.Enumeration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.zip.ZipEntry;
import java.util.zip.ZipException;
import java.util.zip.ZipFile;

/**
 * Checks an update set completely before anything of it is used: container, signature, publisher
 * chain against the code-signing anchors, code-signing purpose, every bundle's digest, and that
 * each bundle is what the manifest says. The order matters: nothing inside a bundle is parsed
 * before the signature and publisher are known good.
 *
 * <p>Thread-safe; holds only the anchors.
 */
public final class UpdateSetVerifier {
    private final Set<TrustAnchor> anchors;
    private final String anchorSource;
    private final long maxBundleBytes;

    /**
     * @param anchors the code-signing anchors; may be empty (every set is then refused as
     *        untrusted, naming {@code anchorSource})
     * @param anchorSource where the anchors come from, for messages (a directory)
     * @param maxBundleBytes the largest bundle jar accepted
     */
    public UpdateSetVerifier(List<X509Certificate> anchors, String anchorSource, long maxBundleBytes) {
        Set<TrustAnchor> set = new LinkedHashSet<>();
        for (X509Certificate anchor : anchors) {
            set.add(new TrustAnchor(anchor, null));
        }
        this.anchors = Set.copyOf(set);
        this.anchorSource = anchorSource;
        this.maxBundleBytes = maxBundleBytes;
    }

    /**
     * A set that passed every check, its bundles extracted.
     *
     * @param info what it contains and who signed it
     * @param manifest the signed manifest
     * @param jars the extracted bundle jars by symbolic name, each with the digest the manifest names
     */
    public record VerifiedSet(UpdateSetInfo info, SetManifest manifest, Map<String, Path> jars) {
        /** Copies the map. */
        public VerifiedSet {
            jars = Map.copyOf(jars);
        }
    }

    /**
     * @param setFile the update set
     * @param extractTo an existing directory for the verified jars (written only once the
     *        signature and publisher are good)
     * @param now the time at which the publisher's certificates must be valid
     * @return the verified set
     * @throws SetRefusedException why the set must not be installed
     * @throws IOException if {@code setFile} cannot be read or {@code extractTo} written
     */
    public VerifiedSet verify(Path setFile, Path extractTo, Instant now) throws SetRefusedException, IOException {
        String setDigest = Digests.sha256Hex(setFile);
        try (ZipFile zip = open(setFile)) {
            Map<String, ZipEntry> entries = entries(zip);
            if (!entries.containsKey(UpdateSetFormat.MANIFEST)) {
                throw new SetRefusedException(DeployRefusal.MALFORMED, "no " + UpdateSetFormat.MANIFEST
                        + " in the set: it is not an update set made by 'palisade bundle sign'");
            }
            if (!entries.containsKey(UpdateSetFormat.SIGNATURE) || !entries.containsKey(UpdateSetFormat.CHAIN)) {
                throw new SetRefusedException(DeployRefusal.UNSIGNED, "the set carries no "
                        + (entries.containsKey(UpdateSetFormat.SIGNATURE) ? "publisher chain (" + UpdateSetFormat.CHAIN
                                : "signature (" + UpdateSetFormat.SIGNATURE)
                        + "): sign it with 'palisade bundle sign'");
            }
            byte[] manifestBytes = read(zip, entries.get(UpdateSetFormat.MANIFEST), UpdateSetFormat.MAX_META_BYTES);
            SetSignature signature = SetSignature.parse(
                    read(zip, entries.get(UpdateSetFormat.SIGNATURE), UpdateSetFormat.MAX_META_BYTES));
            List<X509Certificate> chain = chain(read(zip, entries.get(UpdateSetFormat.CHAIN),
                    UpdateSetFormat.MAX_META_BYTES));
            checkSignature(manifestBytes, signature, chain.get(0));
            checkPublisher(chain, now);
            SetManifest manifest = SetManifest.parse(manifestBytes);
            Map<String, Path> jars = checkBundles(zip, entries, manifest, extractTo);
            List<BundleInfo> bundles = manifest.bundles().stream().map(SetManifest.Entry::info).toList();
            return new VerifiedSet(new UpdateSetInfo(setDigest, chain.get(0).getSubjectX500Principal(),
                    manifest.created(), bundles), manifest, jars);
        }
    }

    private static ZipFile open(Path setFile) throws SetRefusedException, IOException {
        if (!Files.isRegularFile(setFile)) {
            throw new IOException(setFile + " is not a file");
        }
        try {
            return new ZipFile(setFile.toFile());
        } catch (ZipException e) {
            throw new SetRefusedException(DeployRefusal.MALFORMED, setFile.getFileName()
                    + " is not a ZIP archive (" + e.getMessage() + "): an update set is made by 'palisade bundle sign'");
        }
    }

    private static Map<String, ZipEntry> entries(ZipFile zip) throws SetRefusedException {
        Map<String, ZipEntry> entries = new HashMap<>();
        Enumeration<? extends ZipEntry> all = zip.entries();
        int count = 0;
        while (all.hasMoreElements()) {
            ZipEntry entry = all.nextElement();
            if (++count > UpdateSetFormat.MAX_ENTRIES) {
                throw new SetRefusedException(DeployRefusal.MALFORMED, "the set has more than "
                        + UpdateSetFormat.MAX_ENTRIES + " entries");
            }
            String name = entry.getName();
            if (name.equals("bundles/") && entry.isDirectory()) {
                continue;
            }
            if (!UpdateSetFormat.ENTRY_NAME.matcher(name).matches()) {
                throw new SetRefusedException(DeployRefusal.MALFORMED, "entry '" + name
                        + "' has no place in an update set (only the manifest, signature, chain and bundles/NAME.jar)");
            }
            if (entries.put(name, entry) != null) {
                throw new SetRefusedException(DeployRefusal.MALFORMED, "entry '" + name + "' appears twice");
            }
        }
        return entries;
    }

    private static byte[] read(ZipFile zip, ZipEntry entry, long limit) throws SetRefusedException, IOException {
        try (InputStream in = zip.getInputStream(entry)) {
            byte[] bytes = in.readNBytes((int) Math.min(Integer.MAX_VALUE - 8, limit + 1));
            if (bytes.length > limit) {
                throw new SetRefusedException(DeployRefusal.MALFORMED, "entry '" + entry.getName()
                        + "' is larger than the limit of " + limit + " bytes");
            }
            return bytes;
        } catch (ZipException e) {
            throw new SetRefusedException(DeployRefusal.MALFORMED, "entry '" + entry.getName()
                    + "' cannot be read from the archive: " + e.getMessage());
        }
    }

    /**
     * Streams a bundle entry to {@code target} while hashing it, so that a large bundle never sits
     * in the heap of a small gateway.
     *
     * @return the SHA-256 of what was written
     */
    private String extract(ZipFile zip, ZipEntry entry, Path target) throws SetRefusedException, IOException {
        java.security.MessageDigest digest = Digests.sha256();
        long total = 0;
        byte[] buffer = new byte[64 * 1024];
        try (InputStream in = zip.getInputStream(entry); java.io.OutputStream out = Files.newOutputStream(target)) {
            for (int n; (n = in.read(buffer)) > 0;) {
                total += n;
                if (total > maxBundleBytes) {
                    throw new SetRefusedException(DeployRefusal.MALFORMED, "entry '" + entry.getName()
                            + "' is larger than the limit of " + maxBundleBytes + " bytes");
                }
                digest.update(buffer, 0, n);
                out.write(buffer, 0, n);
            }
        } catch (ZipException e) {
            Files.deleteIfExists(target);
            throw new SetRefusedException(DeployRefusal.MALFORMED, "entry '" + entry.getName()
                    + "' cannot be read from the archive: " + e.getMessage());
        } catch (SetRefusedException e) {
            Files.deleteIfExists(target);
            throw e;
        }
        return java.util.HexFormat.of().formatHex(digest.digest());
    }

    private static List<X509Certificate> chain(byte[] pem) throws SetRefusedException {
        try {
            List<X509Certificate> chain = new ArrayList<>();
            for (var c : CertificateFactory.getInstance("X.509").generateCertificates(new ByteArrayInputStream(pem))) {
                chain.add((X509Certificate) c);
            }
            if (chain.isEmpty()) {
                throw new SetRefusedException(DeployRefusal.UNSIGNED, UpdateSetFormat.CHAIN + " holds no certificate");
            }
            return chain;
        } catch (CertificateException e) {
            throw new SetRefusedException(DeployRefusal.MALFORMED, UpdateSetFormat.CHAIN
                    + " is not a PEM certificate chain: " + e.getMessage());
        }
    }

    private static void checkSignature(byte[] manifest, SetSignature signature, X509Certificate publisher)
            throws SetRefusedException {
        String expected;
        try {
            expected = UpdateSetFormat.signatureAlgorithm(publisher.getPublicKey());
        } catch (IllegalArgumentException e) {
            throw new SetRefusedException(DeployRefusal.BAD_SIGNATURE, e.getMessage());
        }
        if (!expected.equals(signature.algorithm())) {
            throw new SetRefusedException(DeployRefusal.BAD_SIGNATURE, "signature algorithm " + signature.algorithm()
                    + " does not fit the publisher's " + publisher.getPublicKey().getAlgorithm() + " key");
        }
        try {
            Signature verifier = Signature.getInstance(expected);
            verifier.initVerify(publisher.getPublicKey());
            verifier.update(manifest);
            if (!verifier.verify(signature.value())) {
                throw new SetRefusedException(DeployRefusal.BAD_SIGNATURE, "the signature does not verify over "
                        + UpdateSetFormat.MANIFEST + " with the key of " + publisher.getSubjectX500Principal()
                        + ": the manifest was changed after signing, or signed by another key");
            }
        } catch (SignatureException | InvalidKeyException e) {
            throw new SetRefusedException(DeployRefusal.BAD_SIGNATURE, "the signature cannot be checked: " + e.getMessage());
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("this JVM cannot verify " + expected, e);
        }
    }

    private void checkPublisher(List<X509Certificate> chain, Instant now) throws SetRefusedException {
        X509Certificate publisher = chain.get(0);
        String who = publisher.getSubjectX500Principal().getName();
        if (anchors.isEmpty()) {
            throw new SetRefusedException(DeployRefusal.UNTRUSTED_PUBLISHER, "publisher " + who
                    + " cannot be trusted: no code-signing anchor is configured (" + anchorSource + ")");
        }
        // The chain as sent minus any certificate that is itself an anchor: PKIX wants the path below the anchor.
        List<X509Certificate> path = new ArrayList<>();
        Set<X509Certificate> anchorCerts = new HashSet<>();
        anchors.forEach(a -> anchorCerts.add(a.getTrustedCert()));
        for (X509Certificate c : chain) {
            if (anchorCerts.contains(c)) {
                break;
            }
            path.add(c);
        }
        if (path.isEmpty()) {
            throw new SetRefusedException(DeployRefusal.UNTRUSTED_PUBLISHER, "publisher " + who
                    + " is itself a code-signing anchor: sign with a publisher certificate issued under the anchor");
        }
        try {
            PKIXParameters params = new PKIXParameters(anchors);
            // No CRL distribution for publishers yet: a compromised publisher is removed by replacing the anchors.
            params.setRevocationEnabled(false);
            params.setDate(Date.from(now));
            CertPathValidator.getInstance("PKIX").validate(
                    CertificateFactory.getInstance("X.509").generateCertPath(path), params);
        } catch (CertPathValidatorException e) {
            throw new SetRefusedException(DeployRefusal.UNTRUSTED_PUBLISHER, "publisher " + who
                    + " does not chain to a code-signing anchor in " + anchorSource + ": " + e.getMessage());
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("this JVM cannot validate certificate paths", e);
        }
        List<String> purposes;
        try {
            purposes = publisher.getExtendedKeyUsage();
        } catch (CertificateException e) {
            throw new SetRefusedException(DeployRefusal.NOT_CODE_SIGNING, "publisher " + who
                    + " has an unreadable extended key usage: " + e.getMessage());
        }
        boolean[] keyUsage = publisher.getKeyUsage();
        if (purposes == null || !purposes.contains(UpdateSetFormat.CODE_SIGNING_EKU)
                || (keyUsage != null && !keyUsage[0]) || publisher.getBasicConstraints() >= 0) {
            throw new SetRefusedException(DeployRefusal.NOT_CODE_SIGNING, "publisher " + who
                    + " is not a code-signing certificate (extended key usage " + (purposes == null ? "none" : purposes)
                    + ", needs " + UpdateSetFormat.CODE_SIGNING_EKU + " codeSigning, digitalSignature, not a CA):"
                    + " make one with 'palisade pki publisher'");
        }
    }

    private Map<String, Path> checkBundles(ZipFile zip, Map<String, ZipEntry> entries, SetManifest manifest,
            Path extractTo) throws SetRefusedException, IOException {
        Set<String> listed = new HashSet<>();
        Map<String, Path> jars = new HashMap<>();
        for (SetManifest.Entry e : manifest.bundles()) {
            listed.add(e.file());
            ZipEntry entry = entries.get(e.file());
            BundleInfo info = e.info();
            if (entry == null) {
                throw new SetRefusedException(DeployRefusal.TAMPERED, "the manifest lists " + e.file() + " ("
                        + info.symbolicName() + " " + info.version() + ") but the set does not hold it");
            }
            Path jar = extractTo.resolve(info.symbolicName() + ".jar");
            String actual = extract(zip, entry, jar);
            if (!actual.equals(info.sha256())) {
                Files.delete(jar);
                throw new SetRefusedException(DeployRefusal.TAMPERED, e.file() + " (" + info.symbolicName() + " "
                        + info.version() + ") has SHA-256 " + actual + " but the signed manifest says " + info.sha256());
            }
            BundleHeaders headers;
            try {
                headers = BundleHeaders.read(jar);
            } catch (IOException ex) {
                throw new SetRefusedException(DeployRefusal.MALFORMED, e.file() + ": " + ex.getMessage());
            }
            if (!headers.symbolicName().equals(info.symbolicName()) || !headers.version().equals(info.version())) {
                throw new SetRefusedException(DeployRefusal.MALFORMED, e.file() + " is " + headers.symbolicName() + " "
                        + headers.version() + " but the manifest declares " + info.symbolicName() + " " + info.version());
            }
            jars.put(info.symbolicName(), jar);
        }
        for (String name : entries.keySet()) {
            if (name.startsWith("bundles/") && !listed.contains(name)) {
                throw new SetRefusedException(DeployRefusal.TAMPERED, "the set holds " + name
                        + ", which the signed manifest does not list");
            }
        }
        return jars;
    }
}
