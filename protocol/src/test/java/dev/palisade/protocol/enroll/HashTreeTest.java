package dev.palisade.protocol.enroll;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

class HashTreeTest {

    private static List<byte[]> leaves(int n) {
        List<byte[]> leaves = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            leaves.add(("leaf " + i).getBytes(StandardCharsets.UTF_8));
        }
        return leaves;
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17})
    void everyLeafOfEverySizeUpTo17VerifiesAndNothingElseDoes(int n) {
        List<byte[]> leaves = leaves(n);
        HashTree tree = new HashTree(leaves);
        byte[] root = tree.root();
        for (int i = 0; i < n; i++) {
            List<byte[]> path = tree.path(i);
            assertTrue(path.size() <= HashTree.maxPathLength(n), "path length at " + i + " of " + n);
            assertTrue(HashTree.verify(leaves.get(i), i, n, path, root), "leaf " + i + " of " + n);
            // the same leaf at any other position, or in a tree of another size, does not verify
            for (int j = 0; j < n; j++) {
                if (j != i) {
                    assertFalse(HashTree.verify(leaves.get(i), j, n, path, root), "leaf " + i + " claimed at " + j + " of " + n);
                    assertFalse(HashTree.verify(leaves.get(j), i, n, path, root), "leaf " + j + " with the path of " + i);
                }
            }
            // (An inclusion path does not bind the tree size by itself — for some indices the same
            // path fits n and n ± 1 — which is why the gateway signs the count with the root.)
            for (int k = 0; k < path.size(); k++) {
                List<byte[]> bad = new ArrayList<>(path);
                byte[] h = bad.get(k).clone();
                h[31] ^= 1;
                bad.set(k, h);
                assertFalse(HashTree.verify(leaves.get(i), i, n, bad, root), "tampered path[" + k + "] of leaf " + i + " of " + n);
            }
            List<byte[]> longer = new ArrayList<>(path);
            longer.add(new byte[32]);
            assertFalse(HashTree.verify(leaves.get(i), i, n, longer, root), "a path with an extra hash");
        }
    }

    @Test
    void shapeIsRfc9162WithPrefixedLeavesAndNodesAndNoDuplication() {
        List<byte[]> l = leaves(3);
        byte[] expected = HashTree.nodeHash(HashTree.nodeHash(HashTree.leafHash(l.get(0)), HashTree.leafHash(l.get(1))),
                HashTree.leafHash(l.get(2)));
        assertArrayEquals(expected, new HashTree(l).root());
        assertArrayEquals(SignedBytes.sha256(concat(new byte[] {0}, l.get(0))), new HashTree(l.subList(0, 1)).root(),
                "a batch of one: the root is the leaf hash");
        // the classic duplication flaw: [a, b, c] must not have the root of [a, b, c, c]
        List<byte[]> four = new ArrayList<>(l);
        four.add(l.get(2));
        assertFalse(java.util.Arrays.equals(new HashTree(l).root(), new HashTree(four).root()));
        // a leaf can never pose as an inner node: the prefixes differ
        byte[] inner = concat(HashTree.leafHash(l.get(0)), HashTree.leafHash(l.get(1)));
        assertFalse(java.util.Arrays.equals(HashTree.leafHash(inner), new HashTree(l.subList(0, 2)).root()));
    }

    @Test
    void sizesOutsideOneToMaxBatchAreRefused() {
        assertThrows(IllegalArgumentException.class, () -> new HashTree(List.of()));
        assertThrows(IllegalArgumentException.class, () -> new HashTree(leaves(Wire.MAX_BATCH + 1)));
        HashTree big = new HashTree(leaves(Wire.MAX_BATCH));
        assertEquals(10, big.path(Wire.MAX_BATCH - 1).size());
        assertEquals(10, HashTree.maxPathLength(Wire.MAX_BATCH));
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] out = new byte[a.length + b.length];
        System.arraycopy(a, 0, out, 0, a.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }
}
