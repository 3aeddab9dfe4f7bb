package dev.palisade.trust.internal;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;

/**
 * Reads the DER blocks of a PEM file (certificates or CRLs). Every problem is an
 * {@link IOException} whose message names the file and what is wrong with it, because it ends up
 * in the domain's DOWN reason that an operator reads.
 */
final class Pem {

    /** Far above any anchor bundle or CRL a plant uses; bounds what a wrong path can make us read. */
    static final long MAX_FILE_BYTES = 16L * 1024 * 1024;

    private Pem() {
    }

    /**
     * @param file the PEM file
     * @param label the block type, {@code CERTIFICATE} or {@code X509 CRL}
     * @return the DER of every such block, in file order; never empty
     * @throws IOException naming the file: missing, unreadable, too large, no block, bad base64
     */
    static List<byte[]> read(Path file, String label) throws IOException {
        return parse(text(file), file.toString(), label);
    }

    /**
     * @param file a PEM file
     * @return its text
     * @throws IOException naming the file: missing, unreadable, too large, not ASCII
     */
    static String text(Path file) throws IOException {
        String text;
        long size;
        try {
            size = Files.size(file);
        } catch (NoSuchFileException e) {
            throw new IOException(file + ": file not found");
        } catch (IOException e) {
            throw new IOException(file + ": cannot be read (" + e.getMessage() + ")");
        }
        if (size > MAX_FILE_BYTES) {
            throw new IOException(file + ": larger than " + MAX_FILE_BYTES + " bytes, not a PEM file");
        }
        try {
            text = Files.readString(file, StandardCharsets.US_ASCII);
        } catch (NoSuchFileException e) {
            throw new IOException(file + ": file not found");
        } catch (java.nio.charset.MalformedInputException e) {
            throw new IOException(file + ": not a PEM file (it holds non-ASCII bytes; DER files must be converted to PEM)");
        } catch (IOException e) {
            throw new IOException(file + ": cannot be read (" + e.getMessage() + ")");
        }
        return text;
    }

    /**
     * @param text PEM text
     * @param source what to call it in messages (a file name, a JSON member)
     * @param label the block type
     * @return the DER of every such block, in order; never empty
     * @throws IOException naming the source: no block, unterminated block, bad base64
     */
    static List<byte[]> parse(String text, String source, String label) throws IOException {
        String begin = "-----BEGIN " + label + "-----";
        String end = "-----END " + label + "-----";
        List<byte[]> blocks = new ArrayList<>();
        int from = text.indexOf(begin);
        while (from >= 0) {
            int stop = text.indexOf(end, from);
            if (stop < 0) {
                throw new IOException(source + ": PEM block " + (blocks.size() + 1) + " has no '" + end + "' line");
            }
            String body = text.substring(from + begin.length(), stop).replaceAll("\\s", "");
            try {
                blocks.add(Base64.getDecoder().decode(body));
            } catch (IllegalArgumentException e) {
                throw new IOException(source + ": PEM block " + (blocks.size() + 1) + " is not valid base64");
            }
            from = text.indexOf(begin, stop);
        }
        if (blocks.isEmpty()) {
            throw new IOException(source + ": no '" + begin + "' block");
        }
        return blocks;
    }
}
