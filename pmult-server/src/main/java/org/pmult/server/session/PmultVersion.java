package org.pmult.server.session;

/** pmult's version, as the {@code {mult_version}} macro and {@code --version} report it. */
public final class PmultVersion {

    /** From the jar manifest; "dev" when run from classes. */
    public static final String VERSION = version();

    private PmultVersion() {
    }

    private static String version() {
        String fromManifest = PmultVersion.class.getPackage().getImplementationVersion();
        return fromManifest == null ? "dev" : fromManifest;
    }
}
