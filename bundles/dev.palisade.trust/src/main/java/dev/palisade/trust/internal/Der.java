package dev.palisade.trust.internal;

import java.io.IOException;
import org.bouncycastle.asn1.ASN1Primitive;

/**
 * Bounded DER decoding. Bouncy Castle's parser recurses once per nesting level and trusts the
 * encoded lengths, so every encoding that reaches it is first walked here without recursion:
 * definite lengths only, every length inside its parent, nesting no deeper than
 * {@link #MAX_NESTING}, and exactly one top-level element. Hostile input then costs at most a
 * linear scan before it is refused.
 */
final class Der {

    /** Real certificates nest about 10 levels deep (a name constraint's IP subtree is the deepest). */
    static final int MAX_NESTING = 32;

    private Der() {
    }

    /**
     * @param encoding a DER encoding of one element
     * @return the parsed element
     * @throws MalformedException if the encoding breaks a bound or is not DER
     */
    static ASN1Primitive parse(byte[] encoding) throws MalformedException {
        scan(encoding);
        try {
            return ASN1Primitive.fromByteArray(encoding);
        } catch (IOException | RuntimeException e) {
            throw new MalformedException("undecodable ASN.1: " + Text.safe(e.getMessage()));
        }
    }

    /**
     * Walks the TLV structure iteratively.
     *
     * @param der the encoding
     * @throws MalformedException if it is not exactly one well-formed, bounded element
     */
    static void scan(byte[] der) throws MalformedException {
        if (der.length == 0) {
            throw new MalformedException("empty encoding");
        }
        int[] ends = new int[MAX_NESTING + 1];
        int depth = 0;
        ends[0] = der.length;
        int pos = 0;
        boolean first = true;
        while (true) {
            while (depth > 0 && pos == ends[depth]) {
                depth--;
            }
            if (pos == ends[depth]) {
                if (depth == 0) {
                    return;
                }
            }
            if (depth == 0 && !first) {
                throw new MalformedException("trailing bytes after the encoded element at offset " + pos);
            }
            first = false;
            int limit = ends[depth];
            int tag = der[pos++] & 0xff;
            if ((tag & 0x1f) == 0x1f) {
                // High tag number: up to 4 continuation bytes, more is nonsense for X.509.
                int n = 0;
                while (true) {
                    if (pos >= limit || ++n > 4) {
                        throw new MalformedException("bad tag at offset " + (pos - 1));
                    }
                    if ((der[pos++] & 0x80) == 0) {
                        break;
                    }
                }
            }
            if (pos >= limit) {
                throw new MalformedException("truncated length at offset " + pos);
            }
            int first8 = der[pos++] & 0xff;
            long length;
            if (first8 < 0x80) {
                length = first8;
            } else if (first8 == 0x80) {
                throw new MalformedException("indefinite length at offset " + (pos - 1) + " (not DER)");
            } else {
                int octets = first8 & 0x7f;
                if (octets > 4 || pos + octets > limit) {
                    throw new MalformedException("bad length at offset " + (pos - 1));
                }
                length = 0;
                for (int i = 0; i < octets; i++) {
                    length = (length << 8) | (der[pos++] & 0xff);
                }
                if (length < 0x80 || (octets > 1 && length < (1L << (8 * (octets - 1))))) {
                    throw new MalformedException("non-minimal length at offset " + (pos - octets - 1) + " (not DER)");
                }
            }
            if (length > limit - pos) {
                throw new MalformedException("length " + length + " at offset " + pos + " runs past its container");
            }
            int end = pos + (int) length;
            if ((tag & 0x20) != 0) {
                if (depth + 1 > MAX_NESTING) {
                    throw new MalformedException("nested deeper than " + MAX_NESTING + " levels");
                }
                depth++;
                ends[depth] = end;
            } else {
                pos = end;
            }
        }
    }
}
