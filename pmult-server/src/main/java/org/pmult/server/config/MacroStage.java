package org.pmult.server.config;

import java.util.Arrays;
import java.util.Locale;
import java.util.Optional;

/**
 * The stages a macro list belongs to in configuration, in the project's stage vocabulary. Names only:
 * the wire values live in the protocol tables ({@code PmilterCodes} stage ids for
 * {@code define-macros}, {@code MilterCodes} macro stages for v2 default sets), and the daemon maps
 * these onto them. MeTA1 has no end-of-headers stage, so {@link #EOH} is valid for v2 default sets
 * only; MeTA1's EHLO is {@link #HELO} and its DOT is {@link #EOM}.
 */
public enum MacroStage {
    CONNECT,
    HELO,
    MAIL,
    RCPT,
    DATA,
    EOH,
    EOM;

    private final String configName = name().toLowerCase(Locale.ROOT);

    /** The key used in configuration, e.g. {@code "rcpt"}. */
    public String configName() {
        return configName;
    }

    /** Whether MeTA1 can be asked for macros at this stage ({@code define-macros}). */
    public boolean isMeta1Stage() {
        return this != EOH;
    }

    /** Looks up a configuration key ({@code connect}, {@code helo}, ... {@code eom}). */
    public static Optional<MacroStage> fromConfigName(String name) {
        String lower = name.toLowerCase(Locale.ROOT);
        return Arrays.stream(values()).filter(stage -> stage.configName.equals(lower)).findFirst();
    }

    /**
     * Looks up a GNU pmult {@code define-macros} handler name: {@code connect}, {@code helo},
     * {@code mail}/{@code envfrom}, {@code rcpt}/{@code envrcpt}, {@code data}/{@code header}/{@code body},
     * {@code dot}/{@code eom}. {@code envmail} is also taken because the GNU manual's own example uses it.
     */
    public static Optional<MacroStage> fromPmultHandler(String handler) {
        return switch (handler.toLowerCase(Locale.ROOT)) {
            case "connect" -> Optional.of(CONNECT);
            case "helo", "ehlo" -> Optional.of(HELO);
            case "mail", "envfrom", "envmail" -> Optional.of(MAIL);
            case "rcpt", "envrcpt" -> Optional.of(RCPT);
            case "data", "header", "body" -> Optional.of(DATA);
            case "dot", "eom" -> Optional.of(EOM);
            default -> Optional.empty();
        };
    }
}
