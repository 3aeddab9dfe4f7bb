package dev.palisade.protocol.enroll;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;

/**
 * The batch hash tree ({@code docs/protocol.md} §7): RFC 9162 §2.1's Merkle tree with SHA-256.
 * Leaf hash {@code SHA-256(0x00 || leaf)}, node hash {@code SHA-256(0x01 || left || right)}; a
 * tree of n &gt; 1 leaves splits at the largest power of two below n, so an odd leaf is carried up
 * unpaired, never duplicated (duplication lets two different lists share a root). Leaves are in
 * the order of the proofs in the message.
 */
public final class HashTree {

    /** The hash size in bytes. */
    public static final int HASH_BYTES = 32;

    private final byte[][] leafHashes;

    /**
     * @param leaves the leaf contents, in order; 1..{@link Wire#MAX_BATCH}
     */
    public HashTree(List<byte[]> leaves) {
        if (leaves.isEmpty() || leaves.size() > Wire.MAX_BATCH) {
            throw new IllegalArgumentException("a hash tree has 1.." + Wire.MAX_BATCH + " leaves, not " + leaves.size());
        }
        leafHashes = new byte[leaves.size()][];
        for (int i = 0; i < leafHashes.length; i++) {
            leafHashes[i] = leafHash(leaves.get(i));
        }
    }

    /** @return the root hash */
    public byte[] root() {
        return subtree(0, leafHashes.length);
    }

    /** @return the number of leaves */
    public int size() {
        return leafHashes.length;
    }

    /**
     * @param index a leaf's index
     * @return its inclusion path: the sibling hashes from the leaf up to the root
     */
    public List<byte[]> path(int index) {
        if (index < 0 || index >= leafHashes.length) {
            throw new IndexOutOfBoundsException("leaf " + index + " of " + leafHashes.length);
        }
        List<byte[]> path = new ArrayList<>();
        collectPath(index, 0, leafHashes.length, path);
        return path;
    }

    private void collectPath(int index, int from, int to, List<byte[]> path) {
        int n = to - from;
        if (n == 1) {
            return;
        }
        int k = largestPowerOfTwoBelow(n);
        if (index < from + k) {
            collectPath(index, from, from + k, path);
            path.add(subtree(from + k, to));
        } else {
            collectPath(index, from + k, to, path);
            path.add(subtree(from, from + k));
        }
    }

    private byte[] subtree(int from, int to) {
        if (to - from == 1) {
            return leafHashes[from];
        }
        int k = largestPowerOfTwoBelow(to - from);
        return nodeHash(subtree(from, from + k), subtree(from + k, to));
    }

    /**
     * Checks that a leaf is at {@code index} of a tree of {@code size} leaves with this root
     * (RFC 9162 §2.1.3.2).
     *
     * @return true if the path leads from the leaf to the root
     */
    public static boolean verify(byte[] leaf, int index, int size, List<byte[]> path, byte[] root) {
        if (index < 0 || index >= size || size > Wire.MAX_BATCH || root.length != HASH_BYTES) {
            return false;
        }
        long fn = index;
        long sn = size - 1L;
        byte[] r = leafHash(leaf);
        for (byte[] p : path) {
            if (p.length != HASH_BYTES || sn == 0) {
                return false;
            }
            if ((fn & 1) == 1 || fn == sn) {
                r = nodeHash(p, r);
                if ((fn & 1) == 0) {
                    while ((fn & 1) == 0 && fn != 0) {
                        fn >>= 1;
                        sn >>= 1;
                    }
                }
            } else {
                r = nodeHash(r, p);
            }
            fn >>= 1;
            sn >>= 1;
        }
        return sn == 0 && MessageDigest.isEqual(r, root);
    }

    /** @return the longest inclusion path in a tree of {@code size} leaves */
    public static int maxPathLength(int size) {
        return 32 - Integer.numberOfLeadingZeros(Math.max(size - 1, 0));
    }

    static byte[] leafHash(byte[] leaf) {
        MessageDigest d = sha256();
        d.update((byte) 0x00);
        return d.digest(leaf);
    }

    static byte[] nodeHash(byte[] left, byte[] right) {
        MessageDigest d = sha256();
        d.update((byte) 0x01);
        d.update(left);
        return d.digest(right);
    }

    private static int largestPowerOfTwoBelow(int n) {
        return Integer.highestOneBit(n - 1);
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java platform has SHA-256", e);
        }
    }

    @Override
    public String toString() {
        return "HashTree[" + leafHashes.length + " leaves, root " + HexFormat.of().formatHex(Arrays.copyOf(root(), 8)) + "…]";
    }
}
