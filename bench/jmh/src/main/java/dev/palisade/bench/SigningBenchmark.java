package dev.palisade.bench;

import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.Provider;
import java.security.SecureRandom;
import java.security.Security;
import java.security.Signature;
import java.security.spec.ECGenParameterSpec;
import java.util.concurrent.TimeUnit;
import org.bouncycastle.jce.provider.BouncyCastleProvider;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * ECDSA P-256 signatures per second with the gateway's key on a PKCS#11 token, against the same
 * operation with a software key, as the proof-of-possession signer makes them: a fresh 32-byte
 * message each time, a {@link Signature} per thread, initSign + update + sign per operation.
 *
 * <p>{@code softhsm}: SunPKCS11 over the module named by {@code -Dbench.softhsm.library}, slot
 * index 0, user PIN in {@code -Dbench.softhsm.pin}. {@code tpm}: the same over tpm2-pkcs11
 * ({@code -Dbench.tpm.library}, {@code -Dbench.tpm.pin}) talking to swtpm through tpm2-abrmd,
 * whose environment the script sets. On both the key is generated on the token with the same
 * sensitive, non-extractable template as the identity bundle. {@code bc} and {@code sunec}: a
 * software key with Bouncy Castle and with the JDK's own provider (the baselines).
 * Run by {@code bench/jmh/signing.sh}, which makes fresh tokens.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class SigningBenchmark {

    /** Must match what the identity bundle writes for generated keys (Pkcs11Backend.KEY_ATTRIBUTES). */
    private static final String KEY_ATTRIBUTES = String.join("\n",
            "attributes(generate, CKO_PRIVATE_KEY, *) = {",
            "  CKA_TOKEN = true", "  CKA_PRIVATE = true", "  CKA_SENSITIVE = true", "  CKA_EXTRACTABLE = false",
            "  CKA_SIGN = true", "  CKA_DECRYPT = false", "  CKA_UNWRAP = false", "}",
            "attributes(generate, CKO_PUBLIC_KEY, *) = {", "  CKA_TOKEN = %s", "}");

    @Param({"softhsm", "tpm", "bc", "sunec"})
    public String signer;

    private Provider provider;
    private PrivateKey key;

    @Setup(Level.Trial)
    public void setUp() throws Exception {
        KeyPair pair;
        switch (signer) {
            case "softhsm":
            case "tpm":
                // tpm2-pkcs11 generates pairs only with both halves on the token (public.key.on.token).
                provider = pkcs11(signer, signer.equals("tpm"));
                KeyStore store = KeyStore.getInstance("PKCS11", provider);
                store.load(null, System.getProperty("bench." + signer + ".pin").toCharArray());
                pair = generate(provider);
                if (pair.getPrivate().getEncoded() != null) {
                    throw new IllegalStateException("the token key is extractable: the benchmark would not measure the token");
                }
                break;
            case "bc":
                provider = new BouncyCastleProvider();
                pair = generate(provider);
                break;
            case "sunec":
                provider = Security.getProvider("SunEC");
                pair = generate(provider);
                break;
            default:
                throw new IllegalArgumentException(signer);
        }
        key = pair.getPrivate();
    }

    private static Provider pkcs11(String token, boolean publicKeyOnToken) throws Exception {
        String library = System.getProperty("bench." + token + ".library");
        if (library == null || System.getProperty("bench." + token + ".pin") == null) {
            throw new IllegalStateException("set -Dbench." + token + ".library and -Dbench." + token
                    + ".pin (bench/jmh/signing.sh does)");
        }
        Path config = Files.createTempFile("bench-pkcs11", ".cfg");
        Files.writeString(config, "name = Bench\nlibrary = " + library + "\nslotListIndex = 0\n"
                + String.format(KEY_ATTRIBUTES, publicKeyOnToken) + "\n");
        Provider provider = Security.getProvider("SunPKCS11").configure(config.toString());
        Security.addProvider(provider);
        return provider;
    }

    private static KeyPair generate(Provider provider) throws Exception {
        KeyPairGenerator generator = KeyPairGenerator.getInstance("EC", provider);
        generator.initialize(new ECGenParameterSpec("secp256r1"));
        return generator.generateKeyPair();
    }

    /** Per-thread signature object and message source, as each signing thread of the gateway has. */
    @State(Scope.Thread)
    public static class PerThread {
        Signature signature;
        final byte[] message = new byte[32];
        final SecureRandom random = new SecureRandom();

        @Setup(Level.Trial)
        public void setUp(SigningBenchmark benchmark) throws Exception {
            signature = Signature.getInstance("SHA256withECDSA", benchmark.provider);
        }
    }

    @Benchmark
    public byte[] sign(PerThread thread) throws Exception {
        thread.random.nextBytes(thread.message);
        thread.signature.initSign(key);
        thread.signature.update(thread.message);
        return thread.signature.sign();
    }
}
