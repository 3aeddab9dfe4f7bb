package dev.palisade.deploy.internal.set;

import dev.palisade.api.deploy.BundleInfo;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.GeneralSecurityException;
import java.security.PrivateKey;
import java.security.Signature;
import java.security.cert.CertificateEncodingException;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;

/** Makes an update set: the publisher's side of {@code bin/palisade bundle sign}. */
public final class UpdateSetSigner {
    /** Entry times are fixed so that signing the same jars at the same second gives the same file. */
    private static final long ENTRY_TIME = 315532800000L; // 1980-01-01, the earliest ZIP time

    private final PrivateKey key;
    private final List<X509Certificate> chain;

    /**
     * @param key the publisher's private key
     * @param chain the publisher's certificate first, then its issuers (the anchor may be left out)
     */
    public UpdateSetSigner(PrivateKey key, List<X509Certificate> chain) {
        if (chain.isEmpty()) {
            throw new IllegalArgumentException("the publisher chain is empty");
        }
        this.key = key;
        this.chain = List.copyOf(chain);
    }

    /**
     * Writes a signed set holding {@code jars}, replacing {@code out} atomically.
     *
     * @param jars the bundles, in the order they are to be listed
     * @param created the time to declare as the signing time
     * @param out the set file to write
     * @return the signed manifest
     * @throws IOException if a jar is unreadable or not a bundle (named), or {@code out} cannot be written
     * @throws GeneralSecurityException if signing fails
     */
    public SetManifest sign(List<Path> jars, Instant created, Path out) throws IOException, GeneralSecurityException {
        List<SetManifest.Entry> entries = new ArrayList<>();
        List<byte[]> contents = new ArrayList<>();
        for (Path jar : jars) {
            byte[] bytes = Files.readAllBytes(jar);
            BundleHeaders headers = BundleHeaders.read(bytes, jar.toString());
            String file = "bundles/" + headers.symbolicName() + ".jar";
            entries.add(new SetManifest.Entry(new BundleInfo(headers.symbolicName(), headers.version(),
                    Digests.sha256Hex(bytes)), file));
            contents.add(bytes);
        }
        SetManifest manifest = new SetManifest(created, entries);
        byte[] manifestBytes = manifest.canonicalBytes();
        String algorithm = UpdateSetFormat.signatureAlgorithm(chain.get(0).getPublicKey());
        Signature signer = Signature.getInstance(algorithm);
        signer.initSign(key);
        signer.update(manifestBytes);
        byte[] signature = signer.sign();
        // Check the key belongs to the certificate before writing a set no gateway would accept.
        Signature check = Signature.getInstance(algorithm);
        check.initVerify(chain.get(0).getPublicKey());
        check.update(manifestBytes);
        if (!check.verify(signature)) {
            throw new GeneralSecurityException("the private key does not belong to the publisher certificate "
                    + chain.get(0).getSubjectX500Principal());
        }

        Path tmp = out.resolveSibling(out.getFileName() + ".tmp");
        try (OutputStream file = Files.newOutputStream(tmp); ZipOutputStream zip = new ZipOutputStream(file)) {
            put(zip, UpdateSetFormat.MANIFEST, manifestBytes);
            put(zip, UpdateSetFormat.SIGNATURE, new SetSignature(algorithm, signature).encoded());
            put(zip, UpdateSetFormat.CHAIN, pem(chain));
            for (int i = 0; i < entries.size(); i++) {
                put(zip, entries.get(i).file(), contents.get(i));
            }
        }
        Files.move(tmp, out, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        return manifest;
    }

    private static void put(ZipOutputStream zip, String name, byte[] bytes) throws IOException {
        ZipEntry entry = new ZipEntry(name);
        entry.setTime(ENTRY_TIME);
        zip.putNextEntry(entry);
        zip.write(bytes);
        zip.closeEntry();
    }

    static byte[] pem(List<X509Certificate> chain) throws IOException {
        StringBuilder text = new StringBuilder();
        Base64.Encoder encoder = Base64.getMimeEncoder(64, new byte[] {'\n'});
        for (X509Certificate c : chain) {
            try {
                text.append("-----BEGIN CERTIFICATE-----\n").append(encoder.encodeToString(c.getEncoded()))
                        .append("\n-----END CERTIFICATE-----\n");
            } catch (CertificateEncodingException e) {
                throw new IOException("cannot encode " + c.getSubjectX500Principal() + ": " + e.getMessage(), e);
            }
        }
        return text.toString().getBytes(StandardCharsets.US_ASCII);
    }
}
