package dev.palisade.deploy.internal;

/**
 * One bundle an apply changes, as the journal and the applied-set record keep it.
 *
 * @param symbolicName the bundle
 * @param previousJar the kept copy (absolute path) of the jar it had before, or {@code null} if
 *        the change installs it new
 * @param newJar the jar it gets (absolute path), or {@code null} if the change uninstalls it
 * @param wasActive whether it was ACTIVE before, so that a rollback starts it again
 */
record Change(String symbolicName, String previousJar, String newJar, boolean wasActive) {

    /** @return one line for a properties value */
    String encode() {
        return symbolicName + "\t" + (previousJar == null ? "-" : previousJar) + "\t" + (newJar == null ? "-" : newJar)
                + "\t" + wasActive;
    }

    static Change decode(String line) {
        String[] f = line.split("\t", -1);
        if (f.length != 4) {
            throw new IllegalArgumentException("unreadable change record '" + line + "'");
        }
        return new Change(f[0], f[1].equals("-") ? null : f[1], f[2].equals("-") ? null : f[2],
                Boolean.parseBoolean(f[3]));
    }
}
