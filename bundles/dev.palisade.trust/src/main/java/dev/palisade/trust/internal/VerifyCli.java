package dev.palisade.trust.internal;

import dev.palisade.api.trust.Verdict;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.bouncycastle.jce.provider.BouncyCastleProvider;

/**
 * {@code bin/palisade verify}: the offline verifier for the field engineer, with the gateway's own
 * engine on a plain class path (this bundle's jar, the API jar and bcprov), no gateway running.
 * Exit 0 accepted, 1 rejected (the reason on stderr), 2 could not evaluate. {@code --batch} reads
 * one JSON request per line and writes one JSON verdict per line, in order, flushed per line.
 * See docs/trust.md.
 */
public final class VerifyCli {

    static final int ACCEPTED = 0;
    static final int REJECTED = 1;
    static final int UNEVALUABLE = 2;

    /** A batch line longer than this is skipped unread: bounds memory whatever stdin holds. */
    static final int MAX_LINE_CHARS = 1024 * 1024;

    static final String USAGE = String.join("\n",
            "usage: palisade verify --trust FILE --leaf FILE [--untrusted FILE] [--time EPOCH_SECONDS]",
            "                       [--purpose client|server] [--crls FILE] [--eku OID,...] [--key-usage NAME,...]",
            "                       [--name dns:X|ip:X|email:X]... [--max-depth N] [--domain NAME]",
            "       palisade verify --batch [OPTIONS as defaults] < requests.jsonl",
            "Verifies a leaf certificate offline with the gateway's engine. --domain NAME takes the domain's",
            "policy, anchors, intermediates and CRLs from etc/ (and the deny-list); other options override them.",
            "Exit 0 accepted, 1 rejected (reason on stderr), 2 could not evaluate. See docs/trust.md.", "");

    private VerifyCli() {
    }

    /**
     * @param args the command line after {@code verify}
     */
    public static void main(String[] args) {
        String etc = System.getProperty("palisade.etc");
        // Not palisade.data: bin/palisade recognises the gateway's own process by that flag.
        String data = System.getProperty("palisade.verify.data");
        int code = run(Arrays.asList(args), System.in, System.out, System.err, etc == null ? null : Path.of(etc),
                data == null ? null : Path.of(data), Clock.systemUTC());
        System.out.flush();
        System.exit(code);
    }

    /**
     * @return the exit code
     */
    static int run(List<String> args, InputStream in, PrintStream out, PrintStream err, Path etc, Clock clock) {
        return run(args, in, out, err, etc, null, clock);
    }

    /**
     * @param data the gateway's data directory, for the CRLs it fetched; or null
     * @return the exit code
     */
    static int run(List<String> args, InputStream in, PrintStream out, PrintStream err, Path etc, Path data, Clock clock) {
        VerifyOptions options;
        try {
            options = VerifyOptions.parse(args);
        } catch (IOException | IllegalArgumentException e) {
            err.println("palisade verify: could not evaluate: " + e.getMessage());
            err.print(USAGE);
            return UNEVALUABLE;
        }
        if (options.help) {
            out.print(USAGE);
            return ACCEPTED;
        }
        OfflineVerifier verifier = new OfflineVerifier(etc, data, new BouncyCastleProvider(), clock);
        if (options.batch) {
            return batch(options, verifier, in, out, err);
        }
        try {
            Verdict verdict = verifier.evaluate(options).verdict();
            if (verdict.accepted()) {
                out.println("accepted: " + verdict.message());
                out.println("identity: " + verdict.deviceIdentity());
                return ACCEPTED;
            }
            err.println("rejected (" + verdict.reason() + "): " + verdict.message());
            return REJECTED;
        } catch (OfflineVerifier.Unevaluable e) {
            err.println("palisade verify: could not evaluate: " + e.getMessage());
            return UNEVALUABLE;
        }
    }

    /** @return 0 if every request was accepted, 1 if some were rejected, 2 if some were skipped */
    private static int batch(VerifyOptions defaults, OfflineVerifier verifier, InputStream in, PrintStream out,
            PrintStream err) {
        int worst = ACCEPTED;
        BufferedReader reader = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8));
        int lineNumber = 0;
        try {
            String line;
            while ((line = readLine(reader)) != null) {
                lineNumber++;
                if (line.isBlank()) {
                    continue;
                }
                Map<String, Object> answer = answer(line, lineNumber, defaults, verifier);
                String verdict = (String) answer.get("verdict");
                worst = Math.max(worst, verdict.equals("accept") ? ACCEPTED : verdict.equals("reject") ? REJECTED : UNEVALUABLE);
                out.print(Json.write(answer) + "\n");
                out.flush();
            }
        } catch (IOException e) {
            out.flush();
            err.println("palisade verify: stdin could not be read after line " + lineNumber + ": " + e.getMessage());
            return UNEVALUABLE;
        }
        return worst;
    }

    private static Map<String, Object> answer(String line, int lineNumber, VerifyOptions defaults, OfflineVerifier verifier) {
        Object id = Json.NULL;
        String where = "line " + lineNumber + ": ";
        try {
            if (line == TOO_LONG) {
                return skip(id, where + "longer than " + MAX_LINE_CHARS + " characters");
            }
            Object parsed;
            try {
                parsed = Json.parse(line);
            } catch (Json.ParseException e) {
                return skip(id, where + e.getMessage());
            }
            if (!(parsed instanceof Map)) {
                return skip(id, where + "not a JSON object");
            }
            @SuppressWarnings("unchecked")
            Map<String, Object> request = new LinkedHashMap<>((Map<String, Object>) parsed);
            if (request.containsKey("id")) {
                id = request.remove("id");
            }
            VerifyOptions options = defaults.copy();
            options.apply(request);
            Verdict verdict = verifier.evaluate(options).verdict();
            Map<String, Object> answer = new LinkedHashMap<>();
            answer.put("id", id);
            answer.put("verdict", verdict.accepted() ? "accept" : "reject");
            answer.put("reason", verdict.message());
            answer.put("code", verdict.accepted() ? Json.NULL : verdict.reason().name());
            answer.put("identity", verdict.accepted() ? verdict.deviceIdentity() : Json.NULL);
            return answer;
        } catch (OfflineVerifier.Unevaluable | IOException | IllegalArgumentException e) {
            return skip(id, where + e.getMessage());
        }
    }

    private static Map<String, Object> skip(Object id, String reason) {
        Map<String, Object> answer = new LinkedHashMap<>();
        answer.put("id", id);
        answer.put("verdict", "skip");
        answer.put("reason", reason);
        answer.put("code", Json.NULL);
        answer.put("identity", Json.NULL);
        return answer;
    }

    /** Marks a line that was too long; compared by identity. */
    private static final String TOO_LONG = new String("(too long)");

    /** @return the next line without its terminator, {@link #TOO_LONG}, or null at the end */
    private static String readLine(BufferedReader reader) throws IOException {
        StringBuilder line = new StringBuilder();
        boolean tooLong = false;
        int c;
        while ((c = reader.read()) >= 0) {
            if (c == '\n') {
                return tooLong ? TOO_LONG : stripCr(line);
            }
            if (!tooLong) {
                line.append((char) c);
                if (line.length() > MAX_LINE_CHARS) {
                    tooLong = true;
                    line.setLength(0);
                }
            }
        }
        if (tooLong) {
            return TOO_LONG;
        }
        return line.length() == 0 ? null : stripCr(line);
    }

    private static String stripCr(StringBuilder line) {
        int end = line.length();
        return end > 0 && line.charAt(end - 1) == '\r' ? line.substring(0, end - 1) : line.toString();
    }
}
