package dev.palisade.spool.internal;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Tells a full file system from other write failures, so that producers get NO_SPACE for it. */
final class StorageFailures {

    private StorageFailures() {
    }

    /**
     * @param e the failure of a write, sync or file creation in {@code directory}
     * @param room what a write needs at most
     * @return whether the file system is full (ENOSPC or EDQUOT, or less usable space than a write needs)
     */
    static boolean noSpace(IOException e, Path directory, long room) {
        String message = String.valueOf(e.getMessage());
        if (message.contains("No space left") || message.contains("Disk quota exceeded")) {
            return true;
        }
        try {
            return Files.getFileStore(directory).getUsableSpace() < room + 4096L;
        } catch (IOException unknown) {
            return false;
        }
    }
}
