package dev.palisade.spool.internal;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Space held back in the spool's directory: on a full disk, the checkpoint that lets sent
 * segments be deleted (and so frees space) itself needs space. The file's blocks are written,
 * not sparse, so they are really held.
 */
final class SpaceReserve {

    static final String FILE = "reserve";
    static final int BYTES = 256 * 1024;

    private static final Logger LOG = LoggerFactory.getLogger(SpaceReserve.class);

    private SpaceReserve() {
    }

    /** Creates the reserve if it is missing; logs (once per attempt) if there is no room for it. */
    static void ensure(Path directory) {
        Path reserve = directory.resolve(FILE);
        if (Files.exists(reserve)) {
            return;
        }
        try (FileChannel channel = FileChannel.open(reserve, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
            ByteBuffer zeros = ByteBuffer.allocate(Segment.ZERO_CHUNK);
            for (int written = 0; written < BYTES; written += Segment.ZERO_CHUNK) {
                zeros.clear();
                while (zeros.hasRemaining()) {
                    channel.write(zeros);
                }
            }
            channel.force(true);
        } catch (IOException e) {
            try {
                Files.deleteIfExists(reserve);
            } catch (IOException ignored) {
                // nothing held, nothing to free
            }
            LOG.warn("Spool: cannot keep {} bytes in reserve in {} ({}); a full disk may then need an operator to"
                    + " free space before sent messages can be removed", BYTES, directory, e.getMessage());
        }
    }

    /** @return whether there was a reserve to give back to the file system */
    static boolean release(Path directory) throws IOException {
        return Files.deleteIfExists(directory.resolve(FILE));
    }
}
